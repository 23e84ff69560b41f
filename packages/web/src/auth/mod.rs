//! Authentication: one operator account (argon2-hashed password) and HS256 JWTs.

mod authenticator;
mod clock;
mod error;
mod password;
mod token;

pub use authenticator::{Auth, IssuedToken, MIN_SECRET_BYTES};
pub use clock::SystemClock;
pub use error::{AuthError, TokenRejection};
pub use token::{Claims, LEEWAY_SECS, TOKEN_TTL_SECS};
