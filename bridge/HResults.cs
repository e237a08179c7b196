// Every HRESULT that ENTSSO-BRIDGE.md lists, mapped to the project's error code and a sentence for
// a person that says what to do. Exception.HResult is read on every exception type: access denied
// arrives as UnauthorizedAccessException, not COMException.
using System;
using System.Collections.Generic;
using System.IO;

namespace EntssoBridge
{
    public static class HResults
    {
        public const uint ApplicationDisabled = 0xC0002A03, NoSuchApplication = 0xC0002A04, ConfigNotSet = 0xC0002A05;
        public const uint BackupMedia = 0xC0002A07, NullWithoutValue = 0xC0002A08, NotSecretServer = 0xC0002A0E;
        public const uint ServerUnreachable = 0xC0002A0F, FieldsIncomplete = 0xC0002A11, WrongBackupPassword = 0xC0002A1B;
        public const uint NoSecret = 0xC0002A1F, BadAccount = 0xC0002A22, Reencrypting = 0xC0002A3E, WriteRace = 0xC0002A40;
        public const uint PasswordTooShort = 0xC0002A54, ReminderTooLong = 0xC0002A58, AccessDeniedSeeLog = 0xC0002A5A;
        public const uint NoSecretForWrite = 0xC0002A5B, CreatedEnabled = 0xC0002A62, AccessDenied = 0x80070005;
        public const uint RpcUnavailable = 0x800706BA, NoEndpoints = 0x800706D9, Fail = 0x80004005;

        sealed class Entry
        {
            public readonly string Code, Sentence;
            public Entry(string code, string sentence) { Code = code; Sentence = sentence; }
        }

        // "{the mss}" becomes "the master secret server NAME", or "the master secret server" where the name cannot be read.
        static readonly Dictionary<uint, Entry> Table = new Dictionary<uint, Entry>
        {
            { ApplicationDisabled, new Entry("ENTSSO_E_APPLICATION_DISABLED", "The SSO application is disabled. Enable it (SSO: Enable Application), then try again.") },
            { NoSuchApplication, new Entry("ENTSSO_E_APPLICATION_NOT_FOUND", "The SSO application does not exist (it may have been deleted meanwhile). Refresh the explorer.") },
            { ConfigNotSet, new Entry("ENTSSO_E_MAPPING_NOT_FOUND", "No configuration is stored under this identifier (it may have been deleted meanwhile). Refresh the explorer, or create it with SSO: New Configuration.") },
            { BackupMedia, new Entry("ENTSSO_E_INVALID_REQUEST", "ENTSSO writes master secret backups only to an NTFS or removable drive. Choose a folder on such a drive.") },
            { NullWithoutValue, new Entry("ENTSSO_E_INVALID_REQUEST", "A masked field was left unchanged but has no stored value. Type a value for it, then save again.") },
            { NotSecretServer, new Entry("ENTSSO_E_INVALID_REQUEST", "This runs only on {the mss}. Run it in VS Code on that server (or with ssoconfig there).") },
            { ServerUnreachable, new Entry("ENTSSO_E_MSS_UNREACHABLE", "The SSO server could not be reached. Check that the Enterprise Single Sign-On service runs on {the mss} and that this machine can reach it, then try again.") },
            { FieldsIncomplete, new Entry("ENTSSO_E_INVALID_REQUEST", "The application has fewer fields than it was created with, so ENTSSO refuses it. Recreate the application with its fields.") },
            { WrongBackupPassword, new Entry("ENTSSO_E_BAD_PASSWORD", "The password does not open this backup file. Check the password reminder, then try again.") },
            { NoSecret, new Entry("ENTSSO_E_NO_SECRET", "The master secret is not available from {the mss}, so nothing can be changed. Start the Enterprise Single Sign-On service on {the mss}, then try again.") },
            { NoSecretForWrite, new Entry("ENTSSO_E_NO_SECRET", "The master secret is not available from {the mss}, so nothing can be changed. Start the Enterprise Single Sign-On service on {the mss}, then try again.") },
            { BadAccount, new Entry("ENTSSO_E_INVALID_REQUEST", "A user or admin group name is not a valid Windows account or group. Check the names (DOMAIN\\Group), then try again.") },
            { Reencrypting, new Entry("ENTSSO_E_REENCRYPT_IN_PROGRESS", "ENTSSO is re-encrypting the SSO database under a new master secret. Wait until it finishes (see the Application event log), then try again.") },
            { WriteRace, new Entry("ENTSSO_E_CONFLICT", "Someone else changed this configuration at the same moment. Reopen it to see the current values, then apply your change again.") },
            { PasswordTooShort, new Entry("ENTSSO_E_INVALID_REQUEST", "The backup password must have at least 7 characters. Choose a longer one.") },
            { ReminderTooLong, new Entry("ENTSSO_E_INVALID_REQUEST", "The password reminder must have at most 512 characters. Shorten it.") },
            { AccessDeniedSeeLog, new Entry("ENTSSO_E_ACCESS_DENIED", "ENTSSO refused access; the reason is in the Windows Application event log (source ENTSSO). Ask an SSO administrator to check it.") },
            { CreatedEnabled, new Entry("ENTSSO_E_INVALID_REQUEST", "ENTSSO does not create an application enabled. Create it, then enable it.") },
            { AccessDenied, new Entry("ENTSSO_E_ACCESS_DENIED", "Your Windows account may not do this in Enterprise SSO. Ask an administrator to add you to the SSO Administrators group (or SSO Affiliate Administrators for applications), sign out and in again, then retry.") },
            { RpcUnavailable, new Entry("ENTSSO_E_SSODB_UNREACHABLE", "The Enterprise Single Sign-On service is not reachable. Start the \"Enterprise Single Sign-On Service\" (services.msc) on this machine and check that {the mss} is reachable, then retry. Where only ENTSSO's administration tools are installed (no SSO service), open VS Code on a BizTalk server: configurations are decrypted by its SSO service.") },
            { NoEndpoints, new Entry("ENTSSO_E_MSS_UNREACHABLE", "{The mss} has no endpoint. If it is clustered, bring the ENTSSO cluster resource online, then retry.") },
        };

        public static IEnumerable<uint> Known { get { return Table.Keys; } }

        public static string Hex(uint hr) { return "0x" + hr.ToString("X8"); }

        /// <summary>The interop assembly could not be loaded (ENTSSO missing or broken): raised where a method naming its types is compiled.</summary>
        public static bool IsInteropLoadFailure(Exception e)
        {
            return e is FileNotFoundException || e is FileLoadException || e is TypeLoadException || e is BadImageFormatException;
        }

        public static BridgeError Translate(Exception e, string mssName)
        {
            var be = e as BridgeError;
            if (be != null) return be;
            uint hr = unchecked((uint)e.HResult);
            if (e is UnauthorizedAccessException) hr = AccessDenied;
            if (IsInteropLoadFailure(e))
            {
                Log.Event("interop-load-failed", e.GetType().Name + ": " + ((e as FileNotFoundException) != null ? ((FileNotFoundException)e).FileName : (e as FileLoadException) != null ? ((FileLoadException)e).FileName : e.Message));
                return new BridgeError("ENTSSO_E_NOT_CONNECTED",
                    "Enterprise SSO is not installed here: " + InteropLocator.AssemblyName + ".dll was not found under %CommonProgramW6432%\\Enterprise Single Sign-On. Install ENTSSO (BizTalk setup), or connect to an SSO service instead.");
            }
            Entry entry;
            var details = new Dictionary<string, object> { { "hresult", Hex(hr) } };
            string mss = string.IsNullOrEmpty(mssName) ? "the master secret server" : "the master secret server " + mssName;
            if (Table.TryGetValue(hr, out entry))
            {
                if (hr == NotSecretServer || hr == NoSecret || hr == NoSecretForWrite) details["mss"] = mssName ?? "";
                return new BridgeError(entry.Code, entry.Sentence.Replace("{the mss}", mss).Replace("{The mss}", "T" + mss.Substring(1)), details);
            }
            // Only ENTSSO's own codes (0xC0002Axx, ssomessages.mc) carry an event id in their low 16 bits; 0x80070057 is no "event 87".
            if ((hr & 0xFFFFFF00) == 0xC0002A00)
                return new BridgeError("ENTSSO_E_INTERNAL",
                    "Enterprise SSO answered with error " + Hex(hr) + ". Look for ENTSSO event " + (hr & 0xFFFF) + " in the Windows Application event log on this machine or on " + mss + ".", details);
            return new BridgeError("ENTSSO_E_INTERNAL",
                "Enterprise SSO answered with error " + Hex(hr) + ", a Windows error code. Look in the Windows Application event log (source ENTSSO) on this machine or on " + mss + " for what happened at this time.", details);
        }

        /// <summary>
        /// Backup, restore and generate of the master secret take "a Single Sign-On administrator and a Windows
        /// administrator" (learn.microsoft.com, "How to Back Up the Master Secret"): on a server with User Account
        /// Control, VS Code not started elevated is refused even for an SSO administrator, so access denied says so.
        /// </summary>
        public static BridgeError ForSecretOperation(BridgeError e, string mssName)
        {
            if (e.HResult32 != AccessDenied && e.HResult32 != AccessDeniedSeeLog) return e;
            string mss = string.IsNullOrEmpty(mssName) ? "the master secret server" : "the master secret server " + mssName;
            return new BridgeError("ENTSSO_E_ACCESS_DENIED",
                "Backing up, restoring or generating the master secret takes an account in SSO Administrators that is also a Windows administrator on " + mss + ". Start VS Code there with \"Run as administrator\" (User Account Control), sign in with such an account, then retry.", e.Details);
        }
    }
}
