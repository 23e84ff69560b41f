//! The outbox: records committed locally first, then shipped to Snowflake and Milvus (issue 5).
