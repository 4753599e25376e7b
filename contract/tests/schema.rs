//! The committed JSON Schema must be the one the contract types generate: a
//! vendor reads the file, the suite writes configs from the types.
use failover_contract::GatewayConfig;

#[test]
fn the_committed_schema_matches_the_contract_types() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/conformance-v1.schema.json");
    let generated = serde_json::to_string_pretty(&GatewayConfig::json_schema()).unwrap() + "\n";
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/conformance-v1.schema.json is out of date with contract/src/config.rs; \
         regenerate it with `UPDATE_SCHEMA=1 cargo test -p failover-contract --test schema` and commit it"
    );
}

#[test]
fn the_example_config_is_valid_against_the_types() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/gateway.json");
    GatewayConfig::from_file(&path).unwrap();
}
