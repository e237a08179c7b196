using System;
using System.Collections.Generic;

namespace EntssoBridge
{
    /// <summary>An error the bridge answers with: a stable code of src/ssoClient/errors.ts and a sentence that says what to do (never a value).</summary>
    public sealed class BridgeError : Exception
    {
        public readonly string SsoCode;
        public readonly Dictionary<string, object> Details;

        public BridgeError(string ssoCode, string message, Dictionary<string, object> details = null) : base(message)
        {
            SsoCode = ssoCode;
            Details = details ?? new Dictionary<string, object>();
        }

        public uint? HResult32
        {
            get
            {
                object hr;
                if (!Details.TryGetValue("hresult", out hr)) return null;
                return Convert.ToUInt32(((string)hr).Substring(2), 16);
            }
        }

        public static BridgeError Invalid(string message) { return new BridgeError("ENTSSO_E_INVALID_REQUEST", message); }
    }
}
