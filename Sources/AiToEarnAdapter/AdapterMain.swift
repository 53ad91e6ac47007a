import AiToEarnCore
import Diagnostics
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import JSONRPC

/// The program: parse options, wire the engine to the core on stdio, serve until the session
/// ends. The executable's one entry point; everything else in this module is internal.
package enum AdapterMain {
    package static func run() -> Never {
        CoreDumps.disable()
        // First, so that a SIGTERM arriving during start-up still ends the process cleanly.
        let stopper = Stopper()
        let signals = SignalHandling { sig in stopper.stop(signal: sig) }
        // Before any other thread allocates: the arena limit applies to arenas made afterwards.
        let trimmer = HeapTrimmer.start()
        let environment = ProcessEnvironment.current()
        let adapter: Adapter
        do {
            let launch = try LaunchOptions.parse(Array(CommandLine.arguments.dropFirst()))
            if launch.showHelp { finish(HelpText.text) }
            if launch.showVersion { finish("\(AdapterInfo.name) \(AdapterInfo.version)") }
            adapter = try Adapter(launch: launch, environment: environment)
        } catch {
            usageError(error.description)
        }
        let protocolFD = StandardStreams.protectStdout()
        let network = CurlTransport(environment: environment, connectTimeoutMs: adapter.settings.connectTimeoutMs)
        let server = adapter.serve(input: FileDescriptorSource(fd: STDIN_FILENO), output: FileDescriptorSink(fd: protocolFD),
                                   clock: SystemClock(), network: network, exit: { _exit($0) })
        stopper.arm(server: server, logger: adapter.logger)
        if isatty(STDIN_FILENO) != 0 {
            // A person ran it by hand: silence would look like a hang.
            writeAll(fd: STDERR_FILENO, Array(("aitoearn-rpc: waiting for JSON-RPC 2.0 messages on stdin (editors and agent "
                + "frameworks start this program for you); see --help, or press Ctrl-D to quit.\n").utf8))
        }
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
