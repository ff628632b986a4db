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

pub fn pki(names: &[&str]) -> TestPki {
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
