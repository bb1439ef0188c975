//! Rego unit tests: every rule named `test_*` passes when it is true, as in
//! `opa test`; `todo_test_*` rules are skipped.

use std::time::Instant;

use crate::error::{RegoError, describe};
use crate::load::Sources;
use crate::module::{ParsedModule, Syntax};
use crate::testing::{Checked, Outcome};

/// Runs every test rule of the sources' Rego modules.
pub fn run(sources: &Sources) -> Result<Vec<Checked>, Vec<RegoError>> {
    let mut errors = Vec::new();
    let mut modules = Vec::new();
    for (file, text) in &sources.rego {
        match ParsedModule::parse(file, text, Syntax::Detect) {
            Ok(m) => modules.push(m),
            Err(e) => errors.push(e),
        }
    }
    let mut engine = crate::new_engine();
    if let Err(e) = crate::add_modules(&mut engine, &modules) {
        errors.push(e);
    }
    for (file, data) in &sources.data {
        if let Err(e) = engine.add_data(data.clone()) {
            errors.push(RegoError::from_engine(file, &e));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut results = Vec::new();
    for module in &modules {
        for name in module.rule_names() {
            let full = format!("data.{}.{name}", module.package);
            if name.starts_with("todo_test_") {
                results.push(Checked {
                    name: full,
                    outcome: Outcome::Skip,
                    duration: std::time::Duration::ZERO,
                });
                continue;
            }
            if !name.starts_with("test_") || results.iter().any(|r: &Checked| r.name == full) {
                continue;
            }
            let started = Instant::now();
            engine.set_input(regorus::Value::new_object());
            let outcome = match engine.eval_rule(full.clone()) {
                Ok(regorus::Value::Bool(true)) => Outcome::Pass,
                Ok(regorus::Value::Undefined) => Outcome::Fail("undefined".to_string()),
                Ok(regorus::Value::Bool(false)) => Outcome::Fail("false".to_string()),
                // OPA counts any defined, non-false value as a pass.
                Ok(_) => Outcome::Pass,
                Err(e) => Outcome::Fail(format!("error: {}", describe(&e))),
            };
            results.push(Checked {
                name: full,
                outcome,
                duration: started.elapsed(),
            });
        }
    }
    Ok(results)
}
