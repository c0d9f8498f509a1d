// For tests about where an SMTP password goes: a plain SMTP server on 127.0.0.1 that offers AUTH
// without STARTTLS (a server that has none, or whose STARTTLS someone stripped from the EHLO answer),
// refuses STARTTLS if asked anyway, accepts any login, and keeps every line it hears.
import { createServer, type AddressInfo } from "node:net";

export interface PlainSmtp {
  port: number;
  /** Every command line heard, in order. */
  heard: string[];
  /** What it heard, base64 words decoded too (AUTH PLAIN / LOGIN carry the password so). */
  transcript(): string;
  close(): Promise<void>;
}

export async function startPlainSmtp(hostName = "mail.corp.local"): Promise<PlainSmtp> {
  const heard: string[] = [];
  const server = createServer((socket) => {
    socket.setEncoding("utf8");
    socket.write(`220 ${hostName} ESMTP\r\n`);
    let buffer = "";
    let awaiting = 0; // AUTH LOGIN: lines still to come
    socket.on("data", (chunk: string) => {
      buffer += chunk;
      let i: number;
      while ((i = buffer.indexOf("\r\n")) >= 0) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        heard.push(line);
        const verb = line.split(" ")[0]!.toUpperCase();
        if (awaiting > 0) {
          awaiting--;
          socket.write(awaiting > 0 ? "334 UGFzc3dvcmQ6\r\n" : "235 ok\r\n");
        } else if (verb === "EHLO") socket.write(`250-${hostName}\r\n250 AUTH PLAIN LOGIN\r\n`);
        else if (verb === "AUTH" && line.toUpperCase().startsWith("AUTH LOGIN")) {
          awaiting = line.split(" ").length > 2 ? 1 : 2;
          socket.write(awaiting === 2 ? "334 VXNlcm5hbWU6\r\n" : "334 UGFzc3dvcmQ6\r\n");
        } else if (verb === "AUTH") socket.write("235 ok\r\n");
        else if (verb === "STARTTLS") socket.write("454 4.7.0 TLS not available\r\n");
        else if (verb === "QUIT") socket.end("221 bye\r\n");
        else socket.write("250 ok\r\n");
      }
    });
    socket.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    heard,
    transcript: () => heard.flatMap((l) => [l, ...l.split(" ").map((w) => Buffer.from(w, "base64").toString("utf8"))]).join("\n"),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
