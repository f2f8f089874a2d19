//! The .deb an operator installs: built with cargo-deb (tests/deb/setup.sh) from the binary these
//! tests run, installed with dpkg, its systemd unit checked by `systemd-analyze verify`, the
//! binary run as the package's system user, then purged. It changes the machine (a package, a
//! user), so it needs root and says so instead of passing when it is not root.
// See: #19

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const PKG: &str = "logminer-doctor";

fn run(cmd: &mut Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("{cmd:?}: {e} (tests/deb/setup.sh installs what is missing)"))
}

fn ok(cmd: &mut Command) -> String {
    let shown = format!("{cmd:?}");
    let out = run(cmd);
    assert!(
        out.status.success(),
        "{shown}: {}\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).to_string()
}

fn is_root() -> bool {
    let out = run(Command::new("id").arg("-u"));
    String::from_utf8_lossy(&out.stdout).trim() == "0"
}

fn installed() -> bool {
    let out = run(Command::new("dpkg-query").args(["-W", "-f=${Status}", PKG]));
    String::from_utf8_lossy(&out.stdout).contains("installed")
}

fn user_exists() -> bool {
    run(Command::new("getent").args(["passwd", PKG]))
        .status
        .success()
}

/// The package of the debug binary cargo built for these tests: cargo-deb packages
/// `<target>/release/logminer-doctor` as is (`--no-build`), so the binary is copied into a
/// scratch target dir; `--fast` compresses the unstripped binary in seconds. The release build
/// the README documents (`cargo deb`) differs only in the binary.
fn build_deb(out_dir: &Path) -> PathBuf {
    let cargo_deb = crate::support::cache_dir().join("cargo-deb/bin/cargo-deb");
    assert!(
        cargo_deb.is_file(),
        "{} is missing: run tests/deb/setup.sh (.ci/run does)",
        cargo_deb.display()
    );
    let target = out_dir.join("target");
    std::fs::create_dir_all(target.join("release")).unwrap();
    std::fs::copy(
        env!("CARGO_BIN_EXE_logminer-doctor"),
        target.join("release/logminer-doctor"),
    )
    .expect("copy the binary");
    let deb = out_dir.join("logminer-doctor.deb");
    ok(Command::new(&cargo_deb)
        .args(["--no-build", "--no-strip", "--fast", "--locked", "--output"])
        .arg(&deb)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("CARGO_TARGET_DIR", &target));
    assert!(deb.is_file(), "{}", deb.display());
    deb
}

#[test]
fn the_deb_installs_a_verified_unit_a_system_user_and_a_state_dir_and_purges_clean() {
    if !is_root() {
        panic!(
            "NOT RUN: installing a .deb needs root (dpkg -i, a system user); run the tests as root \
             (CI does)"
        );
    }
    let tmp = tempfile::tempdir().unwrap();
    let deb = build_deb(tmp.path());

    // What the package holds.
    let contents = ok(Command::new("dpkg-deb").arg("--contents").arg(&deb));
    for path in [
        "./usr/bin/logminer-doctor",
        "./lib/systemd/system/logminer-doctor.service",
        "./etc/logminer-doctor/logminer-doctor.toml",
    ] {
        assert!(contents.contains(path), "{path} in\n{contents}");
    }
    let control = tmp.path().join("control");
    ok(Command::new("dpkg-deb")
        .arg("--control")
        .arg(&deb)
        .arg(&control));
    let listed = std::fs::read_to_string(control.join("conffiles")).unwrap_or_default();
    assert!(
        listed.contains("/etc/logminer-doctor/logminer-doctor.toml"),
        "the config is a conffile: an upgrade keeps the operator's edits ({listed:?})"
    );

    // A run that died half-way left it installed: start clean.
    if installed() {
        ok(Command::new("dpkg").args(["--purge", PKG]));
    }
    assert!(
        !user_exists(),
        "a user {PKG} exists that this package did not create"
    );
    ok(Command::new("dpkg").arg("-i").arg(&deb));
    let result = std::panic::catch_unwind(check_installed);
    // Purged whatever happened, so the machine is as it was.
    ok(Command::new("dpkg").args(["--purge", PKG]));
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
    assert!(!installed());
    assert!(!user_exists(), "purge removes the system user");
    for gone in [
        "/usr/bin/logminer-doctor",
        "/lib/systemd/system/logminer-doctor.service",
        "/var/lib/logminer-doctor",
        "/etc/logminer-doctor",
    ] {
        assert!(!Path::new(gone).exists(), "{gone} after purge");
    }
}

fn check_installed() {
    // The system user: no login, home is the state directory.
    let passwd = ok(Command::new("getent").args(["passwd", PKG]));
    let fields: Vec<&str> = passwd.trim().split(':').collect();
    let uid: u32 = fields[2].parse().unwrap();
    assert!(uid < 1000, "a system user: {passwd}");
    assert_eq!(fields[5], "/var/lib/logminer-doctor");
    assert_eq!(fields[6], "/usr/sbin/nologin");
    // The state directory is the user's alone; the config is readable by it, not by others.
    let stat = |p: &str| ok(Command::new("stat").args(["-c", "%U:%G %a", p]));
    assert_eq!(
        stat("/var/lib/logminer-doctor").trim(),
        "logminer-doctor:logminer-doctor 700"
    );
    assert_eq!(
        stat("/etc/logminer-doctor/logminer-doctor.toml").trim(),
        "root:logminer-doctor 640"
    );

    // The unit: systemd's own offline check (unknown keys, a missing ExecStart binary, bad
    // values are errors; it prints nothing when the unit is clean).
    let verify = run(Command::new("systemd-analyze")
        .args(["verify", "/lib/systemd/system/logminer-doctor.service"])
        .env("SYSTEMD_LOG_COLOR", "0"));
    let said = String::from_utf8_lossy(&verify.stderr).to_string()
        + &String::from_utf8_lossy(&verify.stdout);
    println!("systemd-analyze verify: {:?}", said.trim());
    assert!(verify.status.success(), "systemd-analyze verify: {said}");
    let unit_lines: Vec<&str> = said
        .lines()
        .filter(|l| l.contains("logminer-doctor.service"))
        .collect();
    assert!(unit_lines.is_empty(), "systemd-analyze verify: {said}");
    let unit = std::fs::read_to_string("/lib/systemd/system/logminer-doctor.service").unwrap();
    assert!(unit.contains("ExecStart=/usr/bin/logminer-doctor watch"));
    assert!(unit.contains(&format!("User={PKG}")));
    assert!(unit.contains("StateDirectory=logminer-doctor"));

    // The binary runs as that user.
    let version = ok(Command::new("runuser").args([
        "-u",
        PKG,
        "--",
        "/usr/bin/logminer-doctor",
        "--version",
    ]));
    assert_eq!(
        version.trim(),
        format!("logminer-doctor {}", env!("CARGO_PKG_VERSION"))
    );
    // The example config is the tested full example, valid as shipped.
    let shipped = std::fs::read_to_string("/etc/logminer-doctor/logminer-doctor.toml").unwrap();
    let example = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/config/full.toml"),
    )
    .unwrap();
    assert_eq!(shipped, example);
}
