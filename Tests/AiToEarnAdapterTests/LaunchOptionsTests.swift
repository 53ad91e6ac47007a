@testable import AiToEarnAdapter
import JSONRPC
import Testing

@Suite("Launch options, from one table")
struct LaunchOptionsTests {
    private func usage(_ args: [String]) -> String? {
        do { _ = try LaunchOptions.parse(args); return nil } catch { return error.description }
    }

    @Test("values, inline values and flags")
    func parses() throws {
        let o = try LaunchOptions.parse(["--simulate", "--region", "cn", "--max-message-bytes=2048", "--framing", "ndjson", "--mcp"])
        #expect(o.simulate && o.mcp && o.region == .cn && o.maxMessageBytes == 2048 && o.framing == .ndjson)
        #expect(try LaunchOptions.parse(["-V"]).showVersion && LaunchOptions.parse(["-h"]).showHelp)
    }

    @Test("the default message limit is the engine's own")
    func maxMessageDefault() {
        #expect(LaunchOptions().maxMessageBytes == RPCServer.Options().maxMessageBytes)
        #expect(HelpText.text.contains("(default \(RPCServer.Options().maxMessageBytes), at most 1 GiB)"))
    }

    @Test("what is wrong, said once per kind of mistake")
    func mistakes() {
        #expect(usage(["--simulate=yes"]) == "--simulate takes no value")
        #expect(usage(["--help=1"]) == "--help takes no value")
        #expect(usage(["--region"]) == "--region needs a value (see --help)")
        #expect(usage(["--max-message-bytes", "12"]) == "--max-message-bytes needs a whole number from 1024 to 1073741824, not \"12\"")
        #expect(usage(["--framing", "xml"]) == "--framing must be auto, lsp or ndjson, not \"xml\"")
        #expect(usage(["--simulat"])?.contains("did you mean") == true)
        #expect(usage(["serve"]) == "unknown option \"serve\" (see --help)")
    }

    @Test("--help lists every option of the table, with its placeholder")
    func helpListsTheTable() {
        for option in LaunchOption.all {
            let label = option.names.joined(separator: ", ") + (option.placeholder.map { " " + $0 } ?? "")
            #expect(HelpText.text.contains("  " + label + "  "), "\(label)")
        }
    }
}
