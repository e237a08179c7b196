// `entsso-bridge.exe --self-check`: for a BizTalk administrator to see, read-only, which ENTSSO
// calls work on this machine under their account. Prints names, counts and error codes, never a
// value (masked or not): configurations are read only to count fields.
using System;
using System.IO;
using System.Linq;

namespace EntssoBridge
{
    public static class SelfCheck
    {
        public static int Run(TextWriter output)
        {
            int failures = 0;
            string mss = "";
            var entsso = new Entsso(() => mss);
            output.WriteLine("entsso-bridge " + Program.Version + " self-check (read-only; prints no values)");
            output.WriteLine("interop assembly: " + (InteropLocator.ExpectedPath ?? "(CommonProgramW6432 not set)") + (InteropLocator.ExpectedPath != null && File.Exists(InteropLocator.ExpectedPath) ? "" : "  [MISSING]"));
            output.WriteLine("interop loaded: " + Entsso.InteropDescription());
            output.WriteLine("account: " + Environment.UserDomainName + "\\" + Environment.UserName);
            failures += LocalServiceLine(output);
            failures += Step(output, "GetServerStatus (this machine)", () => { var s = entsso.Status(null); return "server " + s.Server + ", status flags 0x" + s.Flags.ToString("X"); });
            failures += Step(output, "GetGlobalInfo (needs SSO Administrators)", () => { mss = entsso.SecretServerName(); return "master secret server " + mss; });
            failures += Step(output, "GetServerStatus (master secret server)", () => { var s = entsso.Status(string.IsNullOrEmpty(mss) ? null : mss); return (s.Flags & ServerStatus.SecretServerRunning) != 0 ? "secret server running" : "secret server NOT running"; });
            AppRecord sample = null;
            failures += Step(output, "GetApplications2", () => { var apps = entsso.Applications(); sample = apps.FirstOrDefault(a => a.Enabled && a.IsConfigStore); return apps.Count + " applications"; });
            if (sample != null)
            {
                failures += Step(output, "GetFieldInfo (" + sample.Name + ")", () => entsso.Fields(sample.Name).Count + " fields");
                string id = null;
                failures += Step(output, "GetMappingsForExternalUser (" + sample.Name + ", $ConfigStore$ identifiers)", () => { var ids = entsso.Identifiers(sample.Name); id = ids.FirstOrDefault(); return ids.Count + " identifiers"; });
                if (id != null)
                {
                    failures += Step(output, "GetConfigInfo admin mode (" + sample.Name + " / " + id + ")", () => entsso.ReadConfig(sample.Name, id, false).Count + " values read (not shown)");
                    failures += Step(output, "GetConfigInfo runtime mode (" + sample.Name + " / " + id + ")", () => entsso.ReadConfig(sample.Name, id, true).Count + " values read (not shown)");
                }
            }
            var names = new PortNames();
            names.Current();
            output.WriteLine((names.Unavailable == null ? "ok    " : "warn  ") + "BizTalk port names: " + (names.Unavailable ?? names.Source));
            output.WriteLine("not tried (they change state): SetConfigInfo, CreateApplication, UpdateApplication, DeleteApplication, BackupSecret, RestoreSecret, GenerateSecret.");
            output.WriteLine(failures == 0 ? "result: every call tried works." : "result: " + failures + " call(s) failed; see above.");
            return failures == 0 ? 0 : 1;
        }

        /// <summary>Without the local SSO service (administration tools only), runtime reads (values) cannot work here: a failure.</summary>
        static int LocalServiceLine(TextWriter output)
        {
            string state = LocalService.State();
            if (state == "missing")
            {
                output.WriteLine("FAIL  Enterprise SSO service on this machine: not installed (only the administration tools). Configurations are decrypted by the local SSO service only: open VS Code on a BizTalk server.");
                return 1;
            }
            output.WriteLine((state == "installed" ? "ok    " : "info  ") + "Enterprise SSO service on this machine: " + state);
            return 0;
        }

        static int Step(TextWriter output, string name, Func<string> call)
        {
            try
            {
                output.WriteLine("ok    " + name + ": " + call());
                return 0;
            }
            catch (BridgeError e)
            {
                output.WriteLine("FAIL  " + name + ": " + e.SsoCode + (e.Details.ContainsKey("hresult") ? " " + e.Details["hresult"] : "") + " — " + e.Message);
                return 1;
            }
        }
    }
}
