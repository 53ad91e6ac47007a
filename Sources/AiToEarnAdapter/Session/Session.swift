import AiToEarnCore
import Diagnostics
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import JSONRPC
import JSONValue

/// One client's session: its settings (with `initialize` overrides), its health, and the core it drives.
final class Session: Sendable {
    private struct State {
        var settings: Settings
        var jobs: ImageJobs?
        /// Built with `jobs`, on the same client and saver.
        var videos: VideoJobs?
        /// Kept across `initialize` overrides, so there is one per process.
        var simulatorFolder: SimulatorFolder?
    }

    private let launch: LaunchOptions
    let logger: Logger
    let trace: TraceRecorder?
    let redactor: Redactor
    let health: HealthMonitor
    let clock: CoreClock
    /// The real network, for the service and for image downloads (the simulator stands in for the former).
    private let network: HTTPTransport
    private let state: Locked<State>
    /// Which protocol the client speaks; `Faces` decides it.
    let face: Locked<Face>
    let mcp: MCPState
    /// One count for the process, whichever core the settings built.
    let submissionsOnTheWire = SubmissionsOnTheWire()
    /// Idempotency keys hold for the process, across faces and rebuilt cores.
    let idempotentSubmissions = IdempotentSubmissions()
    /// Outlives the cores rebuilt by initialize, as the jobs it remembers do.
    let askedImages = AskedImages()
    /// One ledger for the process: every face, every core and every concurrent request reserve here.
    let ledger: CreditLedger
    /// The model lists that price jobs, kept across rebuilt cores like the jobs they priced.
    let generationModels = EditModelCatalog()

    init(launch: LaunchOptions, settings: Settings, environment: [String: String], clock: CoreClock, network: HTTPTransport,
         logger: Logger, trace: TraceRecorder?, redactor: Redactor, notifier: @escaping @Sendable () -> Notifier) {
        self.launch = launch
        self.clock = clock
        self.network = network
        self.logger = logger
        self.trace = trace
        self.redactor = redactor
        state = Locked(State(settings: settings))
        face = Locked(.undecided(launchedAsMCP: launch.mcp))
        mcp = MCPState(imageDirectory: launch.imageDirectory(environment: environment), clock: clock, notifier: notifier)
        let ledger = CreditLedger(limit: settings.maxCredits)
        self.ledger = ledger
        // All is well but the limit is nearly spent: that is what a status line should show.
        health = HealthMonitor(refine: { h in
            guard h.kind == .ok, ledger.isRunningLow, let limit = ledger.limit else { return h }
            return .limitNearlySpent(limit)
        }) { h in
            var p: JSONObject = ["kind": .string(h.kind.rawValue), "message": .string(h.message)]
            if let a = h.action { p["action"] = .string(a.rawValue) }
            notifier().notify("status.changed", .object(p))
        }
        if let k = settings.apiKey { redactor.add(k) }
    }

    var settings: Settings { state.current.settings }

    /// MCP job tools priced above this many credits ask before submitting (`--confirm-credits-above`).
    var confirmCreditsAbove: Double? { launch.confirmCreditsAbove }

    /// Applies `initializationOptions`; the core is rebuilt on next use.
    func apply(_ overrides: Settings.Overrides) throws(SettingsError) {
        let next = try settings.applying(overrides)
        if let k = next.apiKey { redactor.add(k) }
        state.withLock { $0.settings = next; $0.jobs = nil; $0.videos = nil }
        if overrides.maxCredits != nil { ledger.setLimit(next.maxCredits) }
    }

    /// The session-start hook: LSP clients get their first `status.changed`; MCP clients get none,
    /// and a `server/discover` probe (MCP clients send one first) decides nothing yet.
    func start(trigger: String) -> Bool {
        if face.current.isMCP { return true }
        if trigger == "server/discover" { return false }
        health.start(initial: initialHealth)
        return true
    }

    /// The state a status line shows before anything has happened.
    var initialHealth: Health {
        if settings.simulate { return .simulator }
        return (settings.apiKey ?? "").isEmpty ? .noKey : .ready
    }

    /// The core for this session's settings, built once.
    var jobs: ImageJobs { state.withLock { s in core(&s).0 } }

    /// The video jobs for this session's settings, beside `jobs`.
    var videos: VideoJobs { state.withLock { s in core(&s).1 } }

    private func core(_ s: inout State) -> (ImageJobs, VideoJobs) {
            if let j = s.jobs, let v = s.videos { return (j, v) }
            if s.settings.simulate && s.simulatorFolder == nil {
                // MCP clients get links to the simulator's pictures: those must outlive the process.
                let (explicit, mcpDirectory, face) = (launch.imageDir, mcp.imageDirectory, self.face)
                s.simulatorFolder = SimulatorFolder(insideImageDirectory: { explicit ?? (face.current.isMCP ? mcpDirectory : nil) })
            }
            let j = makeJobs(s.settings, simulatorFolder: s.simulatorFolder)
            let v = VideoJobs(client: j.client, saver: VideoSaver(images: j.saver), onTheWire: submissionsOnTheWire,
                              idempotency: idempotentSubmissions, ledger: ledger)
            (s.jobs, s.videos) = (j, v)
            return (j, v)
    }

    /// Removes what this process left behind (the simulator's private folder), and says when a
    /// billed job may exist whose id never arrived.
    func cleanUp() {
        if let warning = submissionsOnTheWire.exitWarning { logger.warn(warning) }
        state.current.simulatorFolder?.remove()
    }

    private func makeJobs(_ settings: Settings, simulatorFolder: SimulatorFolder?) -> ImageJobs {
        let transport: HTTPTransport
        var effective = settings
        if settings.simulate, let simulatorFolder {
            let sim = SimulatorTransport(delayMs: settings.simulateDelayMs, folder: simulatorFolder, clock: clock)
            transport = sim
            // The simulator needs no key; a placeholder keeps the real request path intact.
            if (effective.apiKey ?? "").isEmpty { effective.apiKey = "simulator" }
        } else {
            transport = network
        }
        var context = UpstreamContext()
        (context.clock, context.health, context.logger, context.trace) = (clock, health, logger, trace)
        let client = UpstreamClient(settings: effective, transport: transport, context: context)
        let saver = ImageSaver(transport: network, localImages: settings.simulate ? simulatorFolder : nil, requestTimeoutMs: settings.requestTimeoutMs,
                               addresses: ImageSaver.addressPolicy(forBaseURL: settings.baseURL))
        return ImageJobs(client: client, saver: saver, onTheWire: submissionsOnTheWire, asked: askedImages,
                         idempotency: idempotentSubmissions, ledger: ledger, generationModels: generationModels)
    }
}
