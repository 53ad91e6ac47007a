#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Diagnostics
import Testing

@Suite("Process environment")
struct ProcessEnvironmentTests {
    @Test("every variable getenv sees, with the same value")
    func matchesGetenv() {
        let env = ProcessEnvironment.current()
        #expect(!env.isEmpty)
        for (name, value) in env {
            #expect(getenv(name).map { String(cString: $0) } == value, "\(name)")
        }
    }

    @Test("values holding '=', empty values and UTF-8 come through as they are")
    func values() async {
        // In a child process of its own: setenv is not safe beside other tests' getenv.
        await #expect(processExitsWith: .success) {
            setenv("AITOEARN_TEST_ENV_EQUALS", "a=b=c", 1)
            setenv("AITOEARN_TEST_ENV_EMPTY", "", 1)
            setenv("AITOEARN_TEST_ENV_UTF8", "grüße ✓", 1)
            let env = ProcessEnvironment.current()
            let ok = env["AITOEARN_TEST_ENV_EQUALS"] == "a=b=c" && env["AITOEARN_TEST_ENV_EMPTY"] == ""
                && env["AITOEARN_TEST_ENV_UTF8"] == "grüße ✓" && env["AITOEARN_TEST_ENV_ABSENT"] == nil
            exit(ok ? 0 : 1)
        }
    }
}
