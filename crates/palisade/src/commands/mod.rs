//! One module per subcommand.

pub mod controls;
pub mod exceptions;
pub mod frameworks;
pub mod install;
pub mod scan;
pub mod serve;
