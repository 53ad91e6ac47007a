import Diagnostics
import Foundation
import JSONRPC
import JSONValue

/// The program: parse options, wire the engine to the core, serve until the session ends.
public enum AdapterMain {
    public static func run() -> Never {
        let protocolFD = StandardStreams.protectStdout()
        let redactor = Redactor()
        let logger = Logger(level: .warn, sink: LineSink(fd: STDERR_FILENO), redactor: redactor)
        let server = RPCServer(inputFD: STDIN_FILENO, outputFD: protocolFD, options: .init(), logger: logger, trace: nil)
        server.hooks.initialize = { _ in
            .object(["serverInfo": ["name": "aitoearn-rpc", "version": "0.1.0"], "capabilities": [:]])
        }
        let signals = SignalHandling { _ in server.terminate(status: 0) }
        server.start()
        withExtendedLifetime(signals) { dispatchMain() }
    }
}
