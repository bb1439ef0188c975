//! One module per subcommand.

pub mod controls;
pub mod exceptions;
pub mod frameworks;
pub mod scan;
pub mod test;
