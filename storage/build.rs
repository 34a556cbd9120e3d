// `sqlx::migrate!` embeds the migration files at compile time: rebuild when one is added or
// changed (the build script sqlx's documentation recommends).
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
