import AiToEarnCore
import Diagnostics
import Dispatch
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import JSONRPC
import JSONValue

/// The program: parse options, wire the engine to the core, serve until the session ends.
public enum AdapterMain {
    public static func run() -> Never {
        CoreDumps.disable()
        // First, so that a SIGTERM arriving during start-up still ends the process cleanly.
        let stopper = Stopper()
        let signals = SignalHandling { sig in stopper.stop(signal: sig) }
        // Before any other thread allocates: the arena limit applies to arenas made afterwards.
        let trimmer = HeapTrimmer.start()
        let launch: LaunchOptions
        let settings: Settings
        let environment = ProcessEnvironment.current()
        do {
            launch = try LaunchOptions.parse(Array(CommandLine.arguments.dropFirst()))
            if launch.showHelp { finish(HelpText.text) }
            if launch.showVersion { finish("\(AdapterInfo.name) \(AdapterInfo.version)") }
            settings = try launch.settings(environment: environment)
        } catch {
            usageError(error.description)
        }

        let redactor = Redactor()
        if let k = settings.apiKey { redactor.add(k) }
        let logSink: LineSink
        if let path = launch.logFile {
            guard let s = LineSink.file(path: path) else { usageError("--log-file: cannot open \(path)") }
            logSink = s
        } else {
            logSink = LineSink(fd: STDERR_FILENO)
        }
        let logger = Logger(level: launch.logLevel, sink: logSink, redactor: redactor)
        var trace: TraceRecorder?
        if let path = launch.traceFile {
            switch LineSink.privateFile(path: path) {
            case .success(let s): trace = TraceRecorder(sink: s, redactor: redactor)
            case .failure(let why): usageError("--trace-file: cannot use \(path): \(why)")
            }
        }

        if let password = settings.baseURL.password { redactor.add(password) }
        let protocolFD = StandardStreams.protectStdout()
        let server = RPCServer(input: FileDescriptorSource(fd: STDIN_FILENO), output: FileDescriptorSink(fd: protocolFD),
                               options: .init(framing: launch.framing, maxMessageBytes: launch.maxMessageBytes),
                               logger: logger, trace: trace, redactor: redactor)
        let session = Session(launch: launch, settings: settings, environment: environment, logger: logger,
                              trace: trace, redactor: redactor, notifier: { server.notifier })
        let lsp = Faces.lsp(session: session, server: server)
        let mcp = Faces.mcp(session: session, server: server)
        let modern = Faces.mcpModern(session: session, server: server)
        server.useMethods(launch.mcp ? mcp : lsp)
        var hooks = RPCServer.Hooks()
        hooks.initialize = { params in
            try InitializeHandler.handle(params, session: session, methods: lsp.methodNames, enterMCP: { server.useMethods(mcp) })
        }
        hooks.sessionStarted = { _, trigger in session.start(trigger: trigger) }
        hooks.willExit = { session.cleanUp() }
        hooks.route = { method, params in
            MCPEraRouter.route(method: method, params: params, session: session, enterModern: { server.useMethods(modern) })
        }
        server.setHooks(hooks)
        stopper.arm(server: server, logger: logger)
        logger.info("serving on stdio (\(settings.simulate ? "simulator" : settings.baseURL.absoluteString))")
        if isatty(STDIN_FILENO) != 0 {
            // A person ran it by hand: silence would look like a hang.
            writeAll(fd: STDERR_FILENO, Array(("aitoearn-rpc: waiting for JSON-RPC 2.0 messages on stdin (editors and agent "
                + "frameworks start this program for you); see --help, or press Ctrl-D to quit.\n").utf8))
        }
        server.start()
        // The work runs on threads of its own; the main thread only waits, in this frame. With
        // dispatchMain it would exit (pthread_exit) and leave this frame's stack behind still
        // poisoned for AddressSanitizer, where a signal handler running on it then looked like a
        // stack overflow (scripts/test --asan, 41 reports).
        withExtendedLifetime((signals, trimmer)) { () -> Never in park() }
    }

    /// Waits for ever; signals interrupt the wait and their handler runs here.
    private static func park() -> Never {
        while true { pause() }
    }

    private static func finish(_ text: String) -> Never {
        writeAll(fd: STDOUT_FILENO, Array((text + "\n").utf8))
        exit(0)
    }

    private static func usageError(_ message: String) -> Never {
        writeAll(fd: STDERR_FILENO, Array("aitoearn-rpc: \(message)\n".utf8))
        exit(2)
    }
}

/// Routes a signal to the server once it exists; before that, exits at once.
private final class Stopper: Sendable {
    private let target = Locked<(RPCServer, Logger)?>(nil)

    func arm(server: RPCServer, logger: Logger) {
        target.withLock { $0 = (server, logger) }
    }

    func stop(signal: Int32) {
        guard let (server, logger) = target.current else { exit(0) }
        logger.info("signal \(signal): exiting")
        server.terminate(status: 0)
    }
}
