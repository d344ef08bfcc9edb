// Imported first by the CLI: Grafast warns on every start unless GRAPHILE_ENV is set.
process.env.GRAPHILE_ENV ??= process.env.NODE_ENV === 'development' ? 'development' : 'production';
