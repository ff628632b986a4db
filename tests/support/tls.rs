//! A test certificate authority made fresh in each test (rcgen), and an HTTPS token server on
//! loopback whose certificate it signs.

use std::net::TcpStream;
use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::{ServerConfig, ServerConnection, StreamOwned};

use super::server::{Action, Closable, Request, Server, serve};

/// A CA (its PEM, for `ca_file`) and a server certificate it issued for `names`.
pub struct TestPki {
    pub ca_pem: String,
    pub config: Arc<ServerConfig>,
}

/// A fresh CA, its issuer, and a server certificate (with its key) it signed for `names`.
struct Authority {
    ca_cert: rcgen::Certificate,
    issuer: Issuer<'static, KeyPair>,
    leaf_cert: rcgen::Certificate,
    leaf_key: KeyPair,
}

fn authority(names: &[&str]) -> Authority {
    let ca_key = KeyPair::generate().expect("CA key");
    let mut ca = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "tokfetch test CA");
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca.self_signed(&ca_key).expect("CA cert");
    let issuer = Issuer::new(ca, ca_key);

    let leaf_key = KeyPair::generate().expect("leaf key");
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    let mut leaf = CertificateParams::new(names).expect("leaf params");
    leaf.distinguished_name
        .push(DnType::CommonName, "tokfetch test server");
    let leaf_cert = leaf.signed_by(&leaf_key, &issuer).expect("leaf cert");
    Authority {
        ca_cert,
        issuer,
        leaf_cert,
        leaf_key,
    }
}

pub fn pki(names: &[&str]) -> TestPki {
    let Authority {
        ca_cert,
        issuer: _,
        leaf_cert,
        leaf_key,
    } = authority(names);

    let chain: Vec<CertificateDer<'static>> = vec![leaf_cert.der().clone()];
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
    let config = ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .expect("server config");
    TestPki {
        ca_pem: ca_cert.pem(),
        config: Arc::new(config),
    }
}

/// Like [`pki`], with a server that speaks TLS 1.2 only, as nginx before 1.23.4 does unless
/// told otherwise, and many identity providers still do.
pub fn pki_tls12(names: &[&str]) -> TestPki {
    let Authority {
        ca_cert,
        issuer: _,
        leaf_cert,
        leaf_key,
    } = authority(names);
    let chain: Vec<CertificateDer<'static>> = vec![leaf_cert.der().clone()];
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
    let config = ServerConfig::builder_with_protocol_versions(&[&rustls::version::TLS12])
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .expect("server config");
    TestPki {
        ca_pem: ca_cert.pem(),
        config: Arc::new(config),
    }
}

impl Closable for StreamOwned<ServerConnection, TcpStream> {
    fn close(&mut self) {
        self.conn.send_close_notify();
        let _ = std::io::Write::flush(self);
        let _ = self.sock.shutdown(std::net::Shutdown::Both);
    }
}

/// An HTTPS server on 127.0.0.1 presenting the PKI's server certificate.
pub fn https_server(
    config: Arc<ServerConfig>,
    handler: impl Fn(&Request) -> Action + Send + Sync + 'static,
) -> Server {
    Server::start_with(handler, move |tcp, requests, handler| {
        let Ok(conn) = ServerConnection::new(config.clone()) else {
            return;
        };
        serve(StreamOwned::new(conn, tcp), requests, handler);
    })
}

/// A CA that signs both a server certificate and a client certificate (for RFC 8705 mutual
/// TLS), and a server configuration that asks for a client certificate and checks it against
/// the CA — but lets a connection without one through, so that the token endpoint itself
/// decides, as oidc-provider behind nginx does.
pub struct MtlsPki {
    pub ca_pem: String,
    pub config: Arc<ServerConfig>,
    /// The client's certificate (its key is [`super::jwt::EC`]).
    pub client_cert_pem: String,
    pub client_cert_der: Vec<u8>,
    /// The server's certificate and key, for servers that are not rustls (node).
    pub server_cert_pem: String,
    pub server_key_pem: String,
}

pub fn mtls_pki(names: &[&str], client_cn: &str) -> MtlsPki {
    let Authority {
        ca_cert,
        issuer,
        leaf_cert,
        leaf_key,
    } = authority(names);

    let client_key = KeyPair::from_pem(super::jwt::EC).expect("client key");
    let mut client = CertificateParams::new(Vec::<String>::new()).expect("client params");
    client
        .distinguished_name
        .push(DnType::CommonName, client_cn);
    client.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
    let client_cert = client.signed_by(&client_key, &issuer).expect("client cert");

    let mut roots = rustls::RootCertStore::empty();
    roots.add(ca_cert.der().clone()).expect("CA root");
    let verifier = rustls::server::WebPkiClientVerifier::builder(Arc::new(roots))
        .allow_unauthenticated()
        .build()
        .expect("client verifier");
    let server_key_pem = leaf_key.serialize_pem();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
    let config = ServerConfig::builder()
        .with_client_cert_verifier(verifier)
        .with_single_cert(vec![leaf_cert.der().clone()], key)
        .expect("server config");
    MtlsPki {
        ca_pem: ca_cert.pem(),
        config: Arc::new(config),
        client_cert_pem: client_cert.pem(),
        client_cert_der: client_cert.der().to_vec(),
        server_cert_pem: leaf_cert.pem(),
        server_key_pem,
    }
}

/// The request header an [`mtls_server`] adds: the SHA-256 (hex) of the client certificate
/// the handshake verified, absent when the client showed none.
pub const CLIENT_CERT_HEADER: &str = "x-test-client-cert-sha256";

pub fn sha256_hex(der: &[u8]) -> String {
    ring::digest::digest(&ring::digest::SHA256, der)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// An HTTPS server that tells its handler which client certificate was verified.
pub fn mtls_server(
    config: Arc<ServerConfig>,
    handler: impl Fn(&Request) -> Action + Send + Sync + 'static,
) -> Server {
    Server::start_with(handler, move |tcp, requests, handler| {
        let Ok(conn) = ServerConnection::new(config.clone()) else {
            return;
        };
        let mut tls = StreamOwned::new(conn, tcp);
        if tls.conn.complete_io(&mut tls.sock).is_err() {
            return;
        }
        let seen = tls
            .conn
            .peer_certificates()
            .and_then(|c| c.first())
            .map(|c| sha256_hex(c.as_ref()));
        let tagged = move |req: &Request| {
            let mut req = req.clone();
            if let Some(h) = &seen {
                req.headers
                    .push((CLIENT_CERT_HEADER.to_string(), h.clone()));
            }
            handler(&req)
        };
        serve(tls, requests, &tagged);
    })
}
