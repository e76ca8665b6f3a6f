import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// nginx (from the PATH) started as a plain reverse proxy in front of the mock upstream, with
/// keep-alive upstream connections and no buffering: the floor any proxy can reach on the same
/// machine in the same run.
struct NginxProxy {
    let port: Int
    private let directory: URL
    private let process: Process

    /// `nginx` on the PATH or in /usr/sbin, if installed (Debian: `apt-get install nginx-light`).
    static func find() -> String? {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "") + ":/usr/sbin:/usr/local/sbin"
        return path.split(separator: ":").map { "\($0)/nginx" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Starts `executable` in the foreground (`daemon off`) on 127.0.0.1:`port`, proxying to `upstreamPort`.
    static func start(executable: String, port: Int, upstreamPort: Int, workers: Int = 2) throws -> NginxProxy {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("switchyard-bench-nginx-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let root = directory.path
        let configuration = """
            daemon off;
            worker_processes \(workers);
            pid \(root)/nginx.pid;
            error_log \(root)/error.log warn;
            events { worker_connections 4096; }
            http {
                access_log off;
                client_body_temp_path \(root)/body;
                proxy_temp_path \(root)/proxy;
                fastcgi_temp_path \(root)/fastcgi;
                uwsgi_temp_path \(root)/uwsgi;
                scgi_temp_path \(root)/scgi;
                upstream mock { server 127.0.0.1:\(upstreamPort); keepalive 256; }
                server {
                    listen 127.0.0.1:\(port) reuseport;
                    keepalive_requests 1000000;
                    location / {
                        proxy_pass http://mock;
                        proxy_http_version 1.1;
                        proxy_set_header Connection "";
                        proxy_buffering off;
                    }
                }
            }

            """
        let file = directory.appendingPathComponent("nginx.conf")
        try configuration.write(to: file, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["-p", root, "-c", file.path, "-e", "\(root)/error.log"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return NginxProxy(port: port, directory: directory, process: process)
    }

    /// Waits until the port accepts connections (nginx starts in milliseconds), or the process ended.
    func waitUntilListening() async throws {
        for _ in 0..<100 {
            guard process.isRunning else {
                let log = (try? String(contentsOf: directory.appendingPathComponent("error.log"), encoding: .utf8)) ?? ""
                throw BenchError("nginx exited at start: \(log)")
            }
            if PortProbe.accepts(port: port) { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw BenchError("nginx did not listen on port \(port) within 5 s")
    }

    /// Ends the nginx this started (its master process, which stops its workers) and removes its files.
    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }
}

/// Whether something listens on a loopback port.
enum PortProbe {
    static func accepts(port: Int) -> Bool {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { return false }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    /// A port free right now on 127.0.0.1 (bound to 0 and released).
    static func freePort() -> Int? {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { return nil }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard bound else { return nil }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) == 0 }
        }
        return named ? Int(UInt16(bigEndian: address.sin_port)) : nil
    }
}
