//! Historical bars: parsing CSV files (both layouts) in a stream, holding a series in compact
//! columns for sweeps, and the bundled sample data.

mod bar;
mod datasets;
mod error;
mod fast_line;
mod layout;
mod line;
mod number;
mod reader;
mod series;
mod split;
mod swar;
pub mod time;

pub use bar::Bar;
pub use datasets::{BUNDLED, bundled};
pub use error::DataError;
pub use layout::Layout;
pub use number::{Fixed, NumberError};
pub use reader::CsvReader;
pub use series::Bars;
