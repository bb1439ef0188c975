//! One module per subcommand.

pub mod audit;
pub mod controls;
pub mod exceptions;
pub mod frameworks;
pub mod install;
pub mod record;
pub mod scan;
pub mod serve;
pub mod test;
