// Binds Microsoft.EnterpriseSingleSignOn.Interop at run time to the copy installed with ENTSSO
// (%CommonProgramW6432%\Enterprise Single Sign-On\), so that one build serves BizTalk 2016
// (10.0.1000.0) and 2020 whatever version is installed, and the bridge never ships the assembly.
using System;
using System.IO;
using System.Reflection;

namespace EntssoBridge
{
    public static class InteropLocator
    {
        public const string AssemblyName = "Microsoft.EnterpriseSingleSignOn.Interop";

        /// <summary>Where ENTSSO installs its interop assembly (the same path for the real one and the test stand-in).</summary>
        public static string ExpectedPath
        {
            get
            {
                string common = Environment.GetEnvironmentVariable("CommonProgramW6432");
                if (string.IsNullOrEmpty(common)) common = Environment.GetEnvironmentVariable("CommonProgramFiles");
                if (string.IsNullOrEmpty(common)) return null;
                return Path.Combine(Path.Combine(common, "Enterprise Single Sign-On"), AssemblyName + ".dll");
            }
        }

        public static void Install()
        {
            AppDomain.CurrentDomain.AssemblyResolve += Resolve;
        }

        static Assembly Resolve(object sender, ResolveEventArgs args)
        {
            if (!string.Equals(new AssemblyName(args.Name).Name, AssemblyName, StringComparison.OrdinalIgnoreCase)) return null;
            string path = ExpectedPath;
            if (path == null || !File.Exists(path)) return null;
            return Assembly.LoadFrom(path);
        }
    }
}
