import AiToEarnCore
import Diagnostics
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import JSONRPC

/// The adapter wired together but not yet serving: its settings, logging and trace, from the
/// launch options and the environment. What it needs from the world (streams, time, network)
/// comes in `serve`, so the same wiring runs on stdio and in memory.
struct Adapter: Sendable {
    let launch: LaunchOptions
    let settings: Settings
    let environment: [String: String]
    let logger: Logger
    let trace: TraceRecorder?
    let redactor: Redactor

    /// Every usage error (a bad setting, a log or trace file that cannot be opened) is thrown here,
    /// before anything is served.
    init(launch: LaunchOptions, environment: [String: String]) throws(LaunchOptions.UsageError) {
        let settings = try launch.settings(environment: environment)
        let redactor = Redactor()
        if let k = settings.apiKey { redactor.add(k) }
        let logSink: LineSink
        if let path = launch.logFile {
            guard let s = LineSink.file(path: path) else { throw LaunchOptions.UsageError(description: "--log-file: cannot open \(path)") }
            logSink = s
        } else {
            logSink = LineSink(fd: STDERR_FILENO)
        }
        var trace: TraceRecorder?
        if let path = launch.traceFile {
            switch LineSink.privateFile(path: path) {
            case .success(let s): trace = TraceRecorder(sink: s, redactor: redactor)
            case .failure(let why): throw LaunchOptions.UsageError(description: "--trace-file: cannot use \(path): \(why)")
            }
        }
        if let password = settings.baseURL.password { redactor.add(password) }
        (self.launch, self.settings, self.environment) = (launch, settings, environment)
        (logger, self.trace, self.redactor) = (Logger(level: launch.logLevel, sink: logSink, redactor: redactor), trace, redactor)
    }

    /// Starts the engine over `input`/`output` with one session on `clock` and `network`; the
    /// process (or the test) ends through `exit`.
    func serve(input: any ByteSource, output: any ByteSink, clock: CoreClock, network: HTTPTransport,
               exit: @escaping @Sendable (Int32) -> Void) -> RPCServer {
        let server = RPCServer(input: input, output: output,
                               options: .init(framing: launch.framing, maxMessageBytes: launch.maxMessageBytes),
                               logger: logger, trace: trace, redactor: redactor, exit: exit)
        let session = Session(launch: launch, settings: settings, environment: environment, clock: clock, network: network,
                              logger: logger, trace: trace, redactor: redactor, notifier: { server.notifier })
        Faces(session: session, server: server).install()
        logger.info("serving on stdio (\(settings.simulate ? "simulator" : settings.baseURL.absoluteString))")
        server.start()
        return server
    }
}
