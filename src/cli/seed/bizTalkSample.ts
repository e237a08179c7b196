/**
 * Realistic sample data a BizTalk developer recognises: for each adapter the four GUID-named
 * SSO applications BizTalk creates (receive handler, send handler, send ports, receive
 * locations) with the adapter's real transport property names, masked passwords, and dozens
 * of ports; plus config-store applications in the three layouts teams use (the snap-in's
 * one-field-per-key `ConfigProperties`, the Deployment Framework's `AppConfig` XML, a JSON
 * `settings` blob). Deterministic: the same data on every run.
 */
import { createHash } from 'node:crypto';
import type { CreateApplicationParams } from '../../protocol/messages';

interface SampleConfiguration {
  application: string;
  identifier: string;
  fields: Record<string, string>;
}

interface SampleData {
  applications: CreateApplicationParams[];
  configurations: SampleConfiguration[];
}

interface AdapterSpec {
  name: string;
  /** Properties of a send port / receive location; names ending in '*' are masked. */
  send: string[];
  receive: string[];
  handler: string[];
  sendValues: (partner: string, i: number) => Record<string, string>;
  receiveValues: (partner: string, i: number) => Record<string, string>;
}

const PARTNERS = ['Contoso', 'Fabrikam', 'Northwind', 'AdventureWorks', 'WideWorldImporters', 'Tailspin', 'Litware', 'Woodgrove'];
const DOCS = ['Orders', 'Invoices', 'Shipments', 'Payments', 'Inventory', 'Customers'];

/** A stable fake password: never a real one, different per port. */
function password(seed: string): string {
  return 'P@' + createHash('sha256').update(seed).digest('base64url').slice(0, 14);
}

const ADAPTERS: AdapterSpec[] = [
  {
    name: 'FILE',
    handler: ['ReceiveHandlerThreads', 'FileNetFailRetryCount', 'FileNetFailRetryInt'],
    send: ['FileName', 'CopyMode', 'AllowCacheOnWrite', 'UseTempFileOnWrite', 'Username', 'Password*'],
    receive: ['FileMask', 'BatchSize', 'RemoveReceivedFileDelay', 'RenameReceivedFiles', 'Username', 'Password*'],
    sendValues: (p, i) => ({ FileName: `\\\\fs01\\out\\${p}\\%MessageID%.xml`, CopyMode: String(i % 3), AllowCacheOnWrite: 'False', UseTempFileOnWrite: 'True', Username: `CORP\\svc-${p.toLowerCase()}`, Password: password(`file-send-${p}-${i}`) }),
    receiveValues: (p, i) => ({ FileMask: `*.${i % 2 ? 'xml' : 'csv'}`, BatchSize: '20', RemoveReceivedFileDelay: '10', RenameReceivedFiles: 'False', Username: `CORP\\svc-${p.toLowerCase()}`, Password: password(`file-recv-${p}-${i}`) }),
  },
  {
    name: 'FTP',
    handler: ['LogFile', 'MaxConnections'],
    send: ['serverAddress', 'serverPort', 'userName', 'password*', 'targetFolder', 'targetFileName', 'representationType', 'passiveMode', 'firewallType', 'firewallAddress', 'firewallPort', 'firewallUserName', 'firewallPassword*'],
    receive: ['serverAddress', 'serverPort', 'userName', 'password*', 'targetFolder', 'fileMask', 'pollingInterval', 'maximumBatchSize', 'maximumNumberOfFiles', 'spoolingFolder'],
    sendValues: (p, i) => ({ serverAddress: `ftp.${p.toLowerCase()}.example`, serverPort: '21', userName: `bts_${p.toLowerCase()}`, password: password(`ftp-send-${p}-${i}`), targetFolder: `/inbound/${DOCS[i % DOCS.length]}`, targetFileName: '%MessageID%.xml', representationType: 'binary', passiveMode: 'True', firewallType: 'NoFirewall', firewallAddress: '', firewallPort: '21', firewallUserName: '', firewallPassword: '' }),
    receiveValues: (p, i) => ({ serverAddress: `ftp.${p.toLowerCase()}.example`, serverPort: '21', userName: `bts_${p.toLowerCase()}`, password: password(`ftp-recv-${p}-${i}`), targetFolder: `/outbound/${DOCS[i % DOCS.length]}`, fileMask: '*.xml', pollingInterval: '60', maximumBatchSize: '0', maximumNumberOfFiles: '0', spoolingFolder: '' }),
  },
  {
    name: 'SFTP',
    handler: ['ConnectionLimit', 'LogLevel'],
    send: ['serverAddress', 'port', 'userName', 'password*', 'folderPath', 'targetFileName', 'SSHServerHostKeyFingerPrint', 'ClientAuthenticationMode', 'PrivateKeyFile', 'PrivateKeyPassword*', 'AccessAnySSHServerHostKey'],
    receive: ['serverAddress', 'port', 'userName', 'password*', 'folderPath', 'fileMask', 'pollingInterval', 'pollingIntervalUnit', 'SSHServerHostKeyFingerPrint', 'ClientAuthenticationMode', 'PrivateKeyFile', 'PrivateKeyPassword*'],
    sendValues: (p, i) => ({ serverAddress: `sftp.${p.toLowerCase()}.example`, port: '22', userName: `bts_${p.toLowerCase()}`, password: password(`sftp-send-${p}-${i}`), folderPath: `/in/${DOCS[i % DOCS.length]}`, targetFileName: '%SourceFileName%', SSHServerHostKeyFingerPrint: 'ssh-rsa 2048 9c:2e:41:7a:0f:33:8b:d1:aa:12:5e:c4:70:19:e3:6d', ClientAuthenticationMode: i % 2 ? 'PublicKeyAuthentication' : 'Password', PrivateKeyFile: i % 2 ? `C:\\Keys\\${p}.ppk` : '', PrivateKeyPassword: i % 2 ? password(`sftp-key-${p}-${i}`) : '', AccessAnySSHServerHostKey: 'False' }),
    receiveValues: (p, i) => ({ serverAddress: `sftp.${p.toLowerCase()}.example`, port: '22', userName: `bts_${p.toLowerCase()}`, password: password(`sftp-recv-${p}-${i}`), folderPath: `/out/${DOCS[i % DOCS.length]}`, fileMask: '*.xml', pollingInterval: '5', pollingIntervalUnit: 'Minutes', SSHServerHostKeyFingerPrint: 'ssh-rsa 2048 9c:2e:41:7a:0f:33:8b:d1:aa:12:5e:c4:70:19:e3:6d', ClientAuthenticationMode: 'Password', PrivateKeyFile: '', PrivateKeyPassword: '' }),
  },
  {
    name: 'SMTP',
    handler: ['SMTPHost', 'From', 'SMTPAuthenticate', 'Username', 'Password*'],
    send: ['SMTPHost', 'From', 'To', 'CC', 'Subject', 'SMTPAuthenticate', 'Username', 'Password*', 'DeliveryReceipt', 'ReadReceipt', 'EmailBodyTextCharset'],
    receive: ['Unused'],
    sendValues: (p, i) => ({ SMTPHost: 'smtp.corp.example', From: 'biztalk@corp.example', To: `edi@${p.toLowerCase()}.example`, CC: '', Subject: `${DOCS[i % DOCS.length]} from Contoso`, SMTPAuthenticate: '1', Username: 'CORP\\svc-smtp', Password: password(`smtp-${p}-${i}`), DeliveryReceipt: 'False', ReadReceipt: 'False', EmailBodyTextCharset: 'UTF-8' }),
    receiveValues: () => ({ Unused: '' }),
  },
  {
    name: 'POP3',
    handler: ['ErrorThreshold'],
    send: ['Unused'],
    receive: ['MailServer', 'Port', 'UserName', 'Password*', 'AuthenticationScheme', 'UseSSL', 'PollingInterval', 'PollingIntervalUnit', 'ApplyMIME', 'BodyPartContentType', 'ErrorThreshold'],
    sendValues: () => ({ Unused: '' }),
    receiveValues: (p, i) => ({ MailServer: 'pop.corp.example', Port: '995', UserName: `${p.toLowerCase()}-inbox@corp.example`, Password: password(`pop3-${p}-${i}`), AuthenticationScheme: 'Basic', UseSSL: 'True', PollingInterval: '5', PollingIntervalUnit: 'Minutes', ApplyMIME: 'True', BodyPartContentType: 'text/xml', ErrorThreshold: '10' }),
  },
  {
    name: 'WCF-SQL',
    handler: ['MaxConnectionsPerServer'],
    send: ['Uri', 'BindingType', 'UserName', 'Password*', 'StaticAction', 'UseAmbientTransaction', 'BatchSize', 'OpenTimeout', 'SendTimeout'],
    receive: ['Uri', 'BindingType', 'UserName', 'Password*', 'InboundOperationType', 'PolledDataAvailableStatement', 'PollingStatement', 'PollingIntervalInSeconds', 'UseAmbientTransaction', 'XmlStoredProcedureRootNodeName'],
    sendValues: (p, i) => ({ Uri: `mssql://sql01.corp.example//${p}Db?`, BindingType: 'sqlBinding', UserName: `bts_${p.toLowerCase()}`, Password: password(`sql-send-${p}-${i}`), StaticAction: `TypedProcedure/dbo/usp_Insert${DOCS[i % DOCS.length]}`, UseAmbientTransaction: 'True', BatchSize: '20', OpenTimeout: '00:01:00', SendTimeout: '00:01:00' }),
    receiveValues: (p, i) => ({ Uri: `mssql://sql01.corp.example//${p}Db?InboundId=${DOCS[i % DOCS.length]}`, BindingType: 'sqlBinding', UserName: `bts_${p.toLowerCase()}`, Password: password(`sql-recv-${p}-${i}`), InboundOperationType: 'TypedPolling', PolledDataAvailableStatement: `SELECT COUNT(*) FROM dbo.${DOCS[i % DOCS.length]} WHERE Status = 0`, PollingStatement: `EXEC dbo.usp_Get${DOCS[i % DOCS.length]}`, PollingIntervalInSeconds: '30', UseAmbientTransaction: 'True', XmlStoredProcedureRootNodeName: '' }),
  },
  {
    name: 'WCF-BasicHttp',
    handler: ['MaxConcurrentCalls'],
    send: ['Uri', 'StaticAction', 'SecurityMode', 'TransportClientCredentialType', 'MessageClientCredentialType', 'UserName', 'Password*', 'OpenTimeout', 'SendTimeout', 'MaxReceivedMessageSize', 'MessageEncoding', 'ProxyAddress', 'ProxyUserName', 'ProxyPassword*'],
    receive: ['Uri', 'SecurityMode', 'TransportClientCredentialType', 'MaxReceivedMessageSize', 'MessageEncoding', 'ServiceCertificate', 'InboundBodyLocation'],
    sendValues: (p, i) => ({ Uri: `https://api.${p.toLowerCase()}.example/${DOCS[i % DOCS.length].toLowerCase()}/Service.svc`, StaticAction: `http://${p.toLowerCase()}.example/I${DOCS[i % DOCS.length]}/Submit`, SecurityMode: 'Transport', TransportClientCredentialType: 'Basic', MessageClientCredentialType: 'UserName', UserName: `bts-${p.toLowerCase()}`, Password: password(`basichttp-${p}-${i}`), OpenTimeout: '00:01:00', SendTimeout: '00:01:00', MaxReceivedMessageSize: '65536', MessageEncoding: 'Text', ProxyAddress: '', ProxyUserName: '', ProxyPassword: '' }),
    receiveValues: (p, i) => ({ Uri: `/${p}${DOCS[i % DOCS.length]}/Service.svc`, SecurityMode: 'Transport', TransportClientCredentialType: 'Windows', MaxReceivedMessageSize: '65536', MessageEncoding: 'Text', ServiceCertificate: '', InboundBodyLocation: 'UseBodyElement' }),
  },
  {
    name: 'WCF-WebHttp',
    handler: ['MaxConcurrentCalls'],
    send: ['Uri', 'HttpMethodAndUrl', 'VariablePropertyMapping', 'SuppressMessageBodyForHttpVerbs', 'SecurityMode', 'TransportClientCredentialType', 'UserName', 'Password*', 'HttpHeaders', 'SendTimeout'],
    receive: ['Uri', 'HttpMethodAndUrl', 'SecurityMode', 'TransportClientCredentialType', 'MaxReceivedMessageSize'],
    sendValues: (p, i) => ({ Uri: `https://rest.${p.toLowerCase()}.example`, HttpMethodAndUrl: `<BtsHttpUrlMapping><Operation Method="POST" Url="/api/${DOCS[i % DOCS.length].toLowerCase()}"/></BtsHttpUrlMapping>`, VariablePropertyMapping: '', SuppressMessageBodyForHttpVerbs: 'GET', SecurityMode: 'Transport', TransportClientCredentialType: 'Basic', UserName: `api-${p.toLowerCase()}`, Password: password(`webhttp-${p}-${i}`), HttpHeaders: 'Accept: application/json', SendTimeout: '00:01:00' }),
    receiveValues: (p, i) => ({ Uri: `/${p}/${DOCS[i % DOCS.length]}`, HttpMethodAndUrl: `<BtsHttpUrlMapping><Operation Method="POST" Url="/"/></BtsHttpUrlMapping>`, SecurityMode: 'Transport', TransportClientCredentialType: 'None', MaxReceivedMessageSize: '1048576' }),
  },
  {
    name: 'SB-Messaging',
    handler: ['MaxConcurrentCalls'],
    send: ['Uri', 'UseSasAuthentication', 'SharedAccessKeyName', 'SharedAccessKey*', 'UseAcsAuthentication', 'StsUri', 'IssuerName', 'IssuerKey*', 'OpenTimeout', 'SendTimeout', 'CloseTimeout'],
    receive: ['Uri', 'UseSasAuthentication', 'SharedAccessKeyName', 'SharedAccessKey*', 'PrefetchCount', 'IsSessionful', 'SessionIdleTimeout', 'OpenTimeout', 'ReceiveTimeout'],
    sendValues: (p, i) => ({ Uri: `sb://contoso-integration.servicebus.windows.net/${p.toLowerCase()}-${DOCS[i % DOCS.length].toLowerCase()}`, UseSasAuthentication: 'True', SharedAccessKeyName: 'RootManageSharedAccessKey', SharedAccessKey: password(`sb-send-${p}-${i}`) + '=', UseAcsAuthentication: 'False', StsUri: '', IssuerName: '', IssuerKey: '', OpenTimeout: '00:01:00', SendTimeout: '00:01:00', CloseTimeout: '00:01:00' }),
    receiveValues: (p, i) => ({ Uri: `sb://contoso-integration.servicebus.windows.net/${p.toLowerCase()}-${DOCS[i % DOCS.length].toLowerCase()}/subscriptions/biztalk`, UseSasAuthentication: 'True', SharedAccessKeyName: 'ListenOnly', SharedAccessKey: password(`sb-recv-${p}-${i}`) + '=', PrefetchCount: '-1', IsSessionful: 'False', SessionIdleTimeout: '00:01:00', OpenTimeout: '00:01:00', ReceiveTimeout: '00:10:00' }),
  },
  {
    name: 'MQSeries',
    handler: ['ThreadCount'],
    send: ['QueueDefinition', 'Transactional', 'Ordered', 'SegmentationAllowed', 'DataConversion', 'UserName', 'Password*'],
    receive: ['QueueDefinition', 'Transactional', 'PollingInterval', 'ThreadCount', 'FragmentationSize', 'DataConversion', 'UserName', 'Password*'],
    sendValues: (p, i) => ({ QueueDefinition: `MQHOST01\\QM_${p.toUpperCase()}\\${DOCS[i % DOCS.length].toUpperCase()}.OUT`, Transactional: 'yes', Ordered: 'no', SegmentationAllowed: 'no', DataConversion: 'no', UserName: 'mqbts', Password: password(`mq-send-${p}-${i}`) }),
    receiveValues: (p, i) => ({ QueueDefinition: `MQHOST01\\QM_${p.toUpperCase()}\\${DOCS[i % DOCS.length].toUpperCase()}.IN`, Transactional: 'yes', PollingInterval: '3', ThreadCount: '2', FragmentationSize: '500', DataConversion: 'no', UserName: 'mqbts', Password: password(`mq-recv-${p}-${i}`) }),
  },
];

/** BizTalk names the adapter applications by GUID; ours are stable per adapter and role. */
function adapterGuid(adapter: string, role: string): string {
  const h = createHash('sha1').update(`${adapter}/${role}`).digest('hex');
  return `{${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}}`.toUpperCase();
}

function fieldsOf(spec: string[]) {
  return spec.map((s) => ({ label: s.replace(/\*$/, ''), masked: s.endsWith('*') }));
}

function adapterApplications(a: AdapterSpec, portsPerKind: number): SampleData {
  const roles: Array<{ role: string; title: string; fields: string[] }> = [
    { role: 'ReceiveHandler', title: 'receive handler', fields: a.handler },
    { role: 'SendHandler', title: 'send handler', fields: a.handler },
    { role: 'SendPorts', title: 'send ports', fields: a.send },
    { role: 'ReceiveLocations', title: 'receive locations', fields: a.receive },
  ];
  const applications = roles.map((r) => ({
    name: adapterGuid(a.name, r.role),
    kind: 'adapter' as const,
    description: `${a.name} adapter: ${r.title} configuration`,
    contact: 'BizTalkAdmin@contoso.example',
    userGroup: 'BizTalk Application Users',
    adminGroup: 'SSO Administrators',
    fields: fieldsOf(r.fields),
  }));
  const configurations: SampleConfiguration[] = [];
  const handlerValues = (role: string) => Object.fromEntries(fieldsOf(a.handler).map((f) => [f.label, f.masked ? password(`${a.name}-${role}`) : '']));
  configurations.push({ application: adapterGuid(a.name, 'ReceiveHandler'), identifier: 'BizTalkServerApplication', fields: handlerValues('rh') });
  configurations.push({ application: adapterGuid(a.name, 'SendHandler'), identifier: 'BizTalkServerApplication', fields: handlerValues('sh') });
  for (let i = 0; i < portsPerKind; i++) {
    const partner = PARTNERS[i % PARTNERS.length] as string;
    const doc = DOCS[i % DOCS.length] as string;
    if (!a.send.includes('Unused')) {
      configurations.push({ application: adapterGuid(a.name, 'SendPorts'), identifier: `SP_${partner}_${doc}_${a.name}_${i + 1}`, fields: a.sendValues(partner, i) });
    }
    if (!a.receive.includes('Unused')) {
      configurations.push({ application: adapterGuid(a.name, 'ReceiveLocations'), identifier: `RL_${partner}_${doc}_${a.name}_${i + 1}`, fields: a.receiveValues(partner, i) });
    }
  }
  return { applications, configurations };
}

function configStoreApplications(): SampleData {
  const applications: CreateApplicationParams[] = [
    {
      name: 'Contoso.OrderProcessing',
      kind: 'configStore',
      description: 'Order processing settings (SSO Application Configuration snap-in layout)',
      contact: 'BizTalkAdmin@contoso.example',
      fields: fieldsOf(['DummyField', 'ErpEndpoint', 'ErpUser', 'ErpPassword*', 'RetryCount', 'ArchiveFolder', 'NotifyEmail']),
    },
    {
      name: 'Contoso.Invoicing',
      kind: 'configStore',
      description: 'Invoicing settings (BizTalk Deployment Framework AppConfig layout)',
      contact: 'BizTalkAdmin@contoso.example',
      fields: fieldsOf(['AppConfig']),
    },
    {
      name: 'Contoso.Integration.Platform',
      kind: 'configStore',
      description: 'Platform settings as a JSON document',
      contact: 'integration-team@contoso.example',
      fields: fieldsOf(['settings']),
    },
    {
      name: 'Fabrikam.Legacy.Mainframe',
      kind: 'affiliate',
      description: 'Credentials for the mainframe host system (affiliate application)',
      contact: 'mainframe-ops@fabrikam.example',
      fields: fieldsOf(['User', 'Password*']),
    },
  ];
  const btdf = [
    ['ErpServiceUrl', 'https://erp.contoso.example/invoices'],
    ['InvoiceArchive', '\\\\fs01\\archive\\invoices'],
    ['SmtpUser', 'svc-invoicing'],
    ['SmtpPassword', password('btdf-smtp')],
    ['MaxInvoicesPerBatch', '250'],
  ];
  const configurations: SampleConfiguration[] = [
    {
      application: 'Contoso.OrderProcessing',
      identifier: 'ConfigProperties',
      fields: { DummyField: '', ErpEndpoint: 'https://erp.contoso.example/orders', ErpUser: 'svc-orders', ErpPassword: password('orders-erp'), RetryCount: '3', ArchiveFolder: '\\\\fs01\\archive\\orders', NotifyEmail: 'orders-support@contoso.example' },
    },
    {
      application: 'Contoso.Invoicing',
      identifier: 'ConfigProperties',
      fields: { AppConfig: `<appSettings>\n${btdf.map(([k, v]) => `  <add key="${k}" value="${v}" />`).join('\n')}\n</appSettings>` },
    },
    {
      application: 'Contoso.Integration.Platform',
      identifier: 'ConfigProperties',
      fields: { settings: JSON.stringify({ environment: 'DEV', serviceBusNamespace: 'contoso-integration', storageAccount: 'contosointegration', storageKey: password('platform-storage'), featureFlags: { newPricing: true, auditAll: false } }, null, 2) },
    },
    { application: 'Fabrikam.Legacy.Mainframe', identifier: 'CICS-PROD', fields: { User: 'BTSCICS', Password: password('cics-prod') } },
    { application: 'Fabrikam.Legacy.Mainframe', identifier: 'CICS-TEST', fields: { User: 'BTSCICST', Password: password('cics-test') } },
  ];
  return { applications, configurations };
}

/** The sample environment: 10 adapters × 4 applications, `portsPerKind` send ports and receive locations each. */
export function bizTalkSample(portsPerKind = 24): SampleData {
  const parts = [...ADAPTERS.map((a) => adapterApplications(a, portsPerKind)), configStoreApplications()];
  return {
    applications: parts.flatMap((p) => p.applications),
    configurations: parts.flatMap((p) => p.configurations),
  };
}

export { adapterGuid };
