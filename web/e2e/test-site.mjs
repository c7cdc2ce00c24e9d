// A page on 127.0.0.1 whose content the test changes between checks.
import http from 'node:http';

export async function startTestSite(initialBody) {
  let body = initialBody;
  const server = http.createServer((request, response) => {
    response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
    response.end(`<!doctype html><html><head><title>Widget shop</title></head><body>${body}</body></html>`);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}/widget`,
    setBody(next) {
      body = next;
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
