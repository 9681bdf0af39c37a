/**
 * One HTTP/1.1 request written byte for byte on a fresh socket, for request lines no HTTP client
 * sends (a target the URL parser refuses, say): resolves with what the server wrote before it
 * closed, or after `timeoutMs` of silence.
 */
import net from 'node:net';

export function rawHttp(origin: string, requestHead: string, timeoutMs = 2000): Promise<string> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname.replace(/^\[|\]$/g, ''));
    let received = '';
    const done = () => {
      socket.destroy();
      resolve(received);
    };
    socket.setTimeout(timeoutMs, done);
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      // One reply is enough: its head and as much body as its content-length says.
      const head = received.indexOf('\r\n\r\n');
      const length = /content-length: *(\d+)/i.exec(received.slice(0, head));
      if (head !== -1 && length && received.length >= head + 4 + Number(length[1])) done();
    });
    socket.on('end', done);
    socket.on('error', reject);
    socket.write(requestHead);
  });
}
