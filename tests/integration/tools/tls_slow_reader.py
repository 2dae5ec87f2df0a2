# A TLS client with a tiny receive window that reads only after a pause:
# the server's writes hit EAGAIN and must resume from its write event.
# Prints "<body length> <sha256 of the body>". Used by tls.test.mjs (node
# cannot shrink a TCP socket's receive buffer).
import socket, ssl, sys, time, hashlib
port, path, ca = int(sys.argv[1]), sys.argv[2], sys.argv[3]
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
s.connect(("127.0.0.1", port))
ctx = ssl.create_default_context(cafile=ca)
t = ctx.wrap_socket(s, server_hostname="localhost")
t.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nAccept-Encoding: identity\r\nConnection: close\r\n\r\n".encode())
time.sleep(1.5)
data = b""
while True:
    try:
        c = t.recv(65536)
    except ssl.SSLEOFError:
        break
    if not c:
        break
    data += c
body = data.split(b"\r\n\r\n", 1)[1]
print(len(body), hashlib.sha256(body).hexdigest())
