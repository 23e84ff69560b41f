//! Test helpers (feature `testing`): an operator's client of a secret on a local moto server, to
//! create and update it as a person would in the AWS console. For this crate's tests and the
//! worker's; never in a production build.

use crate::{AwsSecrets, AwsSettings, StaticCredentials};

/// A client of the secret `id` on the moto server at 127.0.0.1:`port`, with moto's dummy keys.
pub async fn operator(port: u16, id: &str) -> AwsSecrets {
    let settings = AwsSettings {
        region: Some("us-east-1".into()),
        endpoint_url: Some(format!("http://127.0.0.1:{port}")),
        credentials: Some(StaticCredentials {
            access_key_id: "testing".into(),
            secret_access_key: "testing".into(),
            session_token: None,
        }),
        ..AwsSettings::new(id)
    };
    AwsSecrets::connect(&settings).await.expect("client")
}

/// Creates the operator's secret with `json` as its value.
pub async fn create(op: &AwsSecrets, json: &str) {
    op.client()
        .create_secret()
        .name(op.secret_id())
        .secret_string(json)
        .send()
        .await
        .expect("secret created");
}

/// Replaces the secret's value with `json` (a rotation).
pub async fn put(op: &AwsSecrets, json: &str) {
    op.client()
        .put_secret_value()
        .secret_id(op.secret_id())
        .secret_string(json)
        .send()
        .await
        .expect("secret updated");
}
