// Whether this machine has the Enterprise SSO service (Windows service "ENTSSO"). The values of
// configurations are read in ENTSSO's runtime mode, which only the LOCAL SSO service serves (it
// ignores CurrentSSOServer). The BizTalk administration tools install the interop assembly without
// the service (admin workstations, jump hosts): there, listings work (admin calls go to the server
// the registry names) but every configuration read fails. `entsso-bridge.exe --local-service` tells
// the extension before it offers "This machine" (src/connection/entssoBridge.ts), without any ENTSSO call.
using System;
using System.Security;
using Microsoft.Win32;

namespace EntssoBridge
{
    public static class LocalService
    {
        /// <summary>Every installed Windows service has this key; it exists whether the service runs or not.</summary>
        public const string ServiceKey = @"SYSTEM\CurrentControlSet\Services\ENTSSO";

        /// <summary>
        /// "installed", "missing", or "unknown" (not Windows: only the ENTSSO stand-in runs there; or the
        /// registry could not be read). Only "missing" is a reason not to offer this machine.
        /// </summary>
        public static string State()
        {
#if ENTSSO_TEST_HOOKS
            // TEST builds only: the stand-in has no Windows service registry; this stands in for the key's absence.
            if (Environment.GetEnvironmentVariable("ENTSSO_BRIDGE_NO_LOCAL_SERVICE") == "1") return "missing";
#endif
            if (Environment.OSVersion.Platform != PlatformID.Win32NT) return "unknown";
            try
            {
                using (var key = Registry.LocalMachine.OpenSubKey(ServiceKey, false)) return key == null ? "missing" : "installed";
            }
            catch (SecurityException) { return "unknown"; }
            catch (UnauthorizedAccessException) { return "unknown"; }
        }

        /// <summary>One JSON line for the extension; exit code 0 whatever the answer.</summary>
        public static int Print(System.IO.TextWriter output)
        {
            output.WriteLine("{\"localService\":\"" + State() + "\"}");
            return 0;
        }
    }
}
