// entsso-bridge.exe: serves the project's JSON-lines protocol on stdin/stdout on top of Microsoft's
// Enterprise SSO (Microsoft.EnterpriseSingleSignOn.Interop), so that the VS Code extension works on
// a BizTalk machine. Started by the extension as a child process of the user's own VS Code:
// ENTSSO authorises by the Windows account, so there is no token.
//
//   entsso-bridge.exe [--poll-ms N]   serve (stdin/stdout; log on stderr, never a value)
//   entsso-bridge.exe --self-check    read-only: print which ENTSSO calls work here, nothing secret
//   entsso-bridge.exe --local-service whether this machine has the ENTSSO service (LocalService.cs), one JSON line
using System;
using System.Runtime.CompilerServices;

namespace EntssoBridge
{
    public static class Program
    {
        public const string Version = "0.1.0";

        [MTAThread]
        public static int Main(string[] args)
        {
            // Registered before any method that touches an interop type is compiled.
            InteropLocator.Install();
            int pollMs = 5000;
            bool selfCheck = false;
            for (int i = 0; i < args.Length; i++)
            {
                if (args[i] == "--self-check") selfCheck = true;
                else if (args[i] == "--poll-ms" && i + 1 < args.Length && int.TryParse(args[i + 1], out pollMs) && pollMs >= 50) i++;
                else if (args[i] == "--version") { Console.WriteLine("entsso-bridge " + Version); return 0; }
                else if (args[i] == "--local-service") return LocalService.Print(Console.Out);
                else
                {
                    Console.Error.WriteLine("Usage: entsso-bridge.exe [--poll-ms N (>= 50)] | --self-check | --local-service | --version");
                    return 2;
                }
            }
            return selfCheck ? RunSelfCheck() : Serve(pollMs);
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        static int RunSelfCheck()
        {
            return SelfCheck.Run(Console.Out);
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        static int Serve(int pollMs)
        {
            return new Host(pollMs).Run();
        }
    }
}
