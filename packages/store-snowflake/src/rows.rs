//! Query results as rows of text cells.
//!
//! Every SELECT this crate runs converts its columns to VARCHAR (`TO_VARCHAR(...)`), so a result
//! is always text whatever the server's Arrow encoding of numbers and timestamps (scaled
//! integers, Decimal128 or {epoch, fraction} structs all differ between Snowflake and fakesnow).
//! Decimals then parse exactly and timestamps arrive as epoch milliseconds.

use arrow_array::cast::AsArray;
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;
use snowflake_api::QueryResult;

use crate::SnowflakeError;

/// One row: a cell per selected column, `None` for NULL.
pub type Row = Vec<Option<String>>;

pub fn decode(result: QueryResult) -> Result<Vec<Row>, SnowflakeError> {
    match result {
        QueryResult::Empty => Ok(Vec::new()),
        QueryResult::Arrow(batches) => {
            let mut rows = Vec::new();
            for b in &batches {
                append_batch(b, &mut rows)?;
            }
            Ok(rows)
        }
        QueryResult::Json(j) => json_rows(&j.value),
    }
}

fn append_batch(batch: &RecordBatch, rows: &mut Vec<Row>) -> Result<(), SnowflakeError> {
    let start = rows.len();
    rows.extend((0..batch.num_rows()).map(|_| Vec::with_capacity(batch.num_columns())));
    for (c, col) in batch.columns().iter().enumerate() {
        let cell = |i: usize| -> Option<String> {
            if col.is_null(i) {
                return None;
            }
            match col.data_type() {
                DataType::Utf8 => Some(col.as_string::<i32>().value(i).to_owned()),
                DataType::LargeUtf8 => Some(col.as_string::<i64>().value(i).to_owned()),
                DataType::Utf8View => Some(col.as_string_view().value(i).to_owned()),
                _ => None,
            }
        };
        if !matches!(col.data_type(), DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View) {
            let name = batch.schema().field(c).name().clone();
            return Err(SnowflakeError::Decode(format!(
                "column {name} is {:?}, expected text (select it through TO_VARCHAR)",
                col.data_type()
            )));
        }
        for (i, row) in rows[start..].iter_mut().enumerate() {
            row.push(cell(i));
        }
    }
    Ok(())
}

/// DML answers (`number of rows inserted`, ...) come as a JSON array of arrays.
fn json_rows(v: &serde_json::Value) -> Result<Vec<Row>, SnowflakeError> {
    let Some(rows) = v.as_array() else {
        return Err(SnowflakeError::Decode("JSON rowset is not an array".into()));
    };
    rows.iter()
        .map(|r| {
            let cells =
                r.as_array().ok_or_else(|| SnowflakeError::Decode("JSON row is not an array".into()))?;
            Ok(cells
                .iter()
                .map(|c| match c {
                    serde_json::Value::Null => None,
                    serde_json::Value::String(s) => Some(s.clone()),
                    other => Some(other.to_string()),
                })
                .collect())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{Int64Array, StringArray};

    use super::*;

    #[test]
    fn arrow_text_columns_become_cells() {
        let batch = RecordBatch::try_from_iter([
            ("A", Arc::new(StringArray::from(vec![Some("1.50"), None])) as Arc<dyn Array>),
            ("B", Arc::new(StringArray::from(vec![Some("x"), Some("y")])) as Arc<dyn Array>),
        ])
        .unwrap();
        let rows = decode(QueryResult::Arrow(vec![batch.clone(), batch])).unwrap();
        assert_eq!(rows.len(), 4);
        assert_eq!(rows[0], vec![Some("1.50".to_owned()), Some("x".to_owned())]);
        assert_eq!(rows[1], vec![None, Some("y".to_owned())]);
    }

    #[test]
    fn non_text_columns_are_refused() {
        let batch =
            RecordBatch::try_from_iter([("N", Arc::new(Int64Array::from(vec![1])) as Arc<dyn Array>)])
                .unwrap();
        let err = decode(QueryResult::Arrow(vec![batch])).unwrap_err().to_string();
        assert!(err.contains("TO_VARCHAR"), "{err}");
    }

    #[test]
    fn json_rowsets() {
        let v = serde_json::json!([["2", null, 3]]);
        assert_eq!(json_rows(&v).unwrap(), vec![vec![Some("2".to_owned()), None, Some("3".to_owned())]]);
        assert_eq!(decode(QueryResult::Empty).unwrap(), Vec::<Row>::new());
    }
}
