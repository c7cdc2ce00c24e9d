import { defineConfig } from 'vitest/config';

// When LOOKOUT_API_PROXY is set (e.g. http://127.0.0.1:8080), `npm run dev`
// and `npm run preview` forward the gateway's paths there, so the UI and the
// API share one origin as they do behind nginx and the session cookie works.
const target = process.env.LOOKOUT_API_PROXY;
const proxy = target
  ? Object.fromEntries(['/api', '/auth', '/health', '/ready'].map((path) => [path, { target, changeOrigin: false }]))
  : undefined;

export default defineConfig({
  // JSX through the bundler's own transformer: no framework plugin needed.
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  server: { proxy },
  preview: { proxy },
  build: { outDir: 'dist', sourcemap: false, target: 'es2020' },
  test: {
    environment: 'jsdom',
    include: ['test/**/*.test.{ts,tsx}'],
    setupFiles: ['test/setup.ts'],
  },
});
