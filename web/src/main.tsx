import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { Provider } from 'urql';
import { App } from './App.tsx';
import { makeClient } from './lib/client.ts';
import { applyTheme } from './lib/theme.ts';
import './styles.css';

applyTheme();
const client = makeClient();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <Provider value={client}>
      <App />
    </Provider>
  </StrictMode>,
);
