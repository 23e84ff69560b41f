//! How a collection records the embedding model it was built with: two collection properties,
//! `mirai.embedding_model` and `mirai.embedding_dim`, checked against the vector field's own
//! dimension. Properties rather than the description because milvus-lite keeps properties but
//! drops descriptions (measured); the description is still written, for people browsing Milvus.

use std::collections::HashMap;

use mirai_core::{EmbeddingModel, VectorError};

pub const PROP_MODEL: &str = "mirai.embedding_model";
pub const PROP_DIM: &str = "mirai.embedding_dim";

pub fn properties(model: &EmbeddingModel) -> HashMap<String, String> {
    HashMap::from([
        (PROP_MODEL.to_owned(), model.name.clone()),
        (PROP_DIM.to_owned(), model.dimension.to_string()),
    ])
}

pub fn describe(purpose: &str, model: &EmbeddingModel) -> String {
    format!("Mirai {purpose}; embeddings from {} ({} dimensions)", model.name, model.dimension)
}

/// The model the properties record; `None` when the collection was not made by Mirai.
pub fn parse(props: &HashMap<String, String>) -> Option<EmbeddingModel> {
    Some(EmbeddingModel {
        name: props.get(PROP_MODEL)?.clone(),
        dimension: props.get(PROP_DIM)?.parse().ok()?,
    })
}

/// Model names are recorded verbatim; keep them printable and short.
pub fn check_model_name(model: &EmbeddingModel) -> Result<(), VectorError> {
    let ok = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '/' | '_' | '-');
    if model.name.is_empty() || model.name.len() > 100 || !model.name.chars().all(ok) || model.dimension == 0
    {
        return Err(VectorError::Invalid(format!(
            "embedding model {:?} ({} dimensions) cannot be recorded: names are 1 to 100 characters of A-Z a-z 0-9 . : / _ -",
            model.name, model.dimension
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_foreign_collections() {
        let m = EmbeddingModel { name: "text-embedding-3-small".into(), dimension: 1536 };
        assert_eq!(parse(&properties(&m)), Some(m));
        assert_eq!(parse(&HashMap::new()), None);
        assert_eq!(
            parse(&HashMap::from([(PROP_MODEL.into(), "x".into()), (PROP_DIM.into(), "many".into())])),
            None
        );
    }
}
