/**
 * The PEM texts one end of a mutually authenticated TLS link presents: the environment's CA (to
 * check the peer) and this end's certificate and key. Its own module because the MSS server, the
 * service's link to it and the environment that issues the certificates all need it.
 */
export interface TlsMaterial {
  ca: string;
  cert: string;
  key: string;
}
