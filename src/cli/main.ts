// ssoctl entry point (filled by the SSO system work).
process.stderr.write('ssoctl: not built yet\n');
process.exit(1);
