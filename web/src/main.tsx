import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { Client, Provider, cacheExchange, fetchExchange } from 'urql';
import { App } from './App.tsx';
import './styles.css';

// POST: the API does not serve GraphQL over GET (urql prefers GET for short queries by default).
const client = new Client({ url: '/graphql', exchanges: [cacheExchange, fetchExchange], preferGetMethod: false });

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <Provider value={client}>
      <App />
    </Provider>
  </StrictMode>,
);
