//! Random bytes from the operating system (a JWT's `jti`).

use ring::rand::SystemRandom;

use super::{KeyError, err};

/// Random bytes from the operating system.
pub fn random<const N: usize>() -> Result<[u8; N], KeyError> {
    use ring::rand::SecureRandom;
    let mut out = [0u8; N];
    SystemRandom::new()
        .fill(&mut out)
        .map_err(|_| err("the operating system gave no random bytes"))?;
    Ok(out)
}
