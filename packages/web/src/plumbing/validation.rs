//! Runs `validator` rules and turns their errors into a sorted, deterministic list.

use validator::{Validate, ValidationErrors, ValidationErrorsKind};

use crate::error::{ApiError, ApiResult, FieldError};

/// Validates `value`; on failure a 422 listing every broken rule, sorted by field then code.
/// Parameters (which include the offending value, possibly a password) are never echoed.
pub(crate) fn validate<T: Validate>(value: &T) -> ApiResult<()> {
    value.validate().map_err(|e| {
        let mut fields = Vec::new();
        flatten("", &e, &mut fields);
        fields.sort();
        ApiError::Validation(fields)
    })
}

fn flatten(prefix: &str, errors: &ValidationErrors, out: &mut Vec<FieldError>) {
    for (name, kind) in errors.errors() {
        let path = if prefix.is_empty() { name.to_string() } else { format!("{prefix}.{name}") };
        match kind {
            ValidationErrorsKind::Field(list) => {
                out.extend(list.iter().map(|err| {
                    FieldError {
                        field: path.clone(),
                        code: err.code.to_string(),
                        message: err
                            .message
                            .as_ref()
                            .map_or_else(|| format!("failed rule `{}`", err.code), |m| m.to_string()),
                    }
                }));
            }
            ValidationErrorsKind::Struct(inner) => flatten(&path, inner, out),
            ValidationErrorsKind::List(items) => {
                for (i, inner) in items {
                    flatten(&format!("{path}[{i}]"), inner, out);
                }
            }
        }
    }
}
