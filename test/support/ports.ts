/** Loopback ports for the tests' and the bench's servers. */
import net from 'node:net';

/** A loopback port with nothing listening on it at the time of asking (bound, then released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
