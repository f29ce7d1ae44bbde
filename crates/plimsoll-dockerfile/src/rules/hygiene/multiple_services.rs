use plimsoll_core::{Equivalents, RuleMeta, Severity};

use super::command_base;
use crate::parser::{Args, Form, Instruction};
use crate::rules::{Ctx, Rule, Violation};
use crate::shell::{self, Command, Connector};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-562",
        name: "multiple-services",
        title: "Container starts several services or an init system",
        severity: Severity::Low,
        category: "hygiene",
        equivalents: Equivalents::NONE,
        doc: r#"
## What it checks
The `CMD` and `ENTRYPOINT` in effect for the final image (including those
inherited from the build stage it is based on) when they:
- run an init system or process supervisor (`/sbin/init`, `systemd`,
  `supervisord`, `runsvdir`, `s6-svscan`, `my_init`);
- start services through init scripts (`service nginx start`,
  `/etc/init.d/ssh start`, `systemctl start`, `rc-service`);
- start two or more daemons (`sshd`, `nginx`, `php-fpm`, `cron`, `mysqld`,
  …) or background a command with `&` next to another one.

`tini` and `dumb-init`, which reap zombies for a single process, are fine.

## Why it matters
Docker supervises one process per container. Services started in the
background are invisible to it: if one dies the container keeps running
half-broken, their logs do not reach `docker logs`, they never get SIGTERM
on `docker stop`, and they cannot be scaled, updated or restricted
separately. A full init system usually needs extra privileges
(`--privileged`, writable cgroups) that weaken isolation, and an `sshd` next
to the application is an extra way in.

## Example
```dockerfile
CMD service nginx start && service php8.2-fpm start && tail -f /var/log/nginx/access.log
```

## Use instead
```dockerfile
# one container per service, wired together by compose/Kubernetes
CMD ["nginx", "-g", "daemon off;"]
```

## How to fix
Split the services into separate images/containers and run each in the
foreground as the main process. Where a helper must run alongside (rare),
use a small supervisor deliberately and document why.
"#,
    },
    check,
};

const SUPERVISORS: &[&str] = &[
    "init",
    "systemd",
    "supervisord",
    "runsvdir",
    "s6-svscan",
    "my_init",
    "openrc-init",
    "runit",
    "runit-init",
];

const DAEMONS: &[&str] = &[
    "sshd", "nginx", "httpd", "apache2", "apachectl", "apache2ctl", "mysqld", "mysqld_safe",
    "postgres", "redis-server", "cron", "crond", "memcached", "mongod", "named", "dnsmasq",
    "rsyslogd", "syslogd", "dockerd", "squid", "vsftpd", "postfix", "dovecot", "haproxy",
    "varnishd", "Xvfb", "x11vnc", "smbd", "nmbd",
];

/// Shell commands of a CMD/ENTRYPOINT.
fn commands(form: &Form) -> Vec<Command> {
    match form {
        Form::Shell { text, .. } => shell::tokenize(text).commands,
        Form::Exec { args, .. } => {
            let base = args
                .first()
                .map_or("", |a| a.rsplit('/').next().unwrap_or(a));
            if args.len() >= 3
                && matches!(base, "sh" | "bash" | "ash" | "dash" | "zsh")
                && args[1].starts_with('-')
                && args[1].contains('c')
            {
                shell::tokenize(&args[2]).commands
            } else {
                let q: Vec<String> = args
                    .iter()
                    .map(|a| format!("'{}'", a.replace('\'', "")))
                    .collect();
                shell::tokenize(&q.join(" ")).commands
            }
        }
    }
}

/// `service NAME start`, `/etc/init.d/NAME start`, `systemctl start NAME`,
/// `rc-service NAME start`: the service name.
fn init_script_start(cmd: &Command) -> Option<String> {
    let first = cmd.words.first()?.text.as_str();
    let args: Vec<&str> = cmd.arg_texts().collect();
    let starts = |a: &str| matches!(a, "start" | "restart");
    match command_base(cmd)? {
        "service" | "rc-service" | "invoke-rc.d" if args.len() >= 2 && starts(args[1]) => {
            Some(args[0].to_string())
        }
        "systemctl" if args.len() >= 2 && starts(args[0]) => Some(args[1].to_string()),
        name if first.starts_with("/etc/init.d/") && args.first().is_some_and(|a| starts(a)) => {
            Some(name.to_string())
        }
        _ => None,
    }
}

enum Finding {
    Supervisor(String),
    InitScripts(Vec<String>),
    Several(Vec<String>),
}

fn analyse(form: &Form) -> Option<Finding> {
    let cmds = commands(form);
    let mut init_scripts = Vec::new();
    let mut services: Vec<String> = Vec::new();
    for c in cmds.iter().filter(|c| !c.nested) {
        let Some(name) = command_base(c) else { continue };
        let full = c.words.first().map_or("", |w| w.text.as_str());
        let system_init = name != "init"
            || matches!(full, "init" | "/init" | "/sbin/init" | "/usr/sbin/init" | "/bin/init" | "/usr/bin/init");
        if SUPERVISORS.contains(&name) && system_init {
            return Some(Finding::Supervisor(name.to_string()));
        }
        if let Some(s) = init_script_start(c) {
            init_scripts.push(s);
        } else if (DAEMONS.contains(&name)
            || name.starts_with("php-fpm")
            || c.next == Connector::Background)
            && !services.iter().any(|s| s == name)
        {
            services.push(name.to_string());
        }
    }
    if !init_scripts.is_empty() {
        return Some(Finding::InitScripts(init_scripts));
    }
    (services.len() >= 2).then_some(Finding::Several(services))
}

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    let chain = cx.final_chain();
    // The last CMD and ENTRYPOINT in effect (nearest stage wins).
    let mut cmd: Option<&Instruction> = None;
    let mut entry: Option<&Instruction> = None;
    for &s in &chain {
        for inst in cx.df.stage_instructions(s).iter().rev() {
            match &inst.args {
                Args::Cmd(_) if cmd.is_none() => cmd = Some(inst),
                Args::Entrypoint(_) if entry.is_none() => entry = Some(inst),
                _ => {}
            }
        }
    }
    for inst in [entry, cmd].into_iter().flatten() {
        let (Args::Cmd(form) | Args::Entrypoint(form)) = &inst.args else {
            continue;
        };
        let kw = inst.keyword;
        let msg = match analyse(form) {
            None => continue,
            Some(Finding::Supervisor(name)) => format!(
                "{kw} runs {name}, an init system or process supervisor, to start several services in one container; run one service per container in the foreground"
            ),
            Some(Finding::InitScripts(names)) => format!(
                "{kw} starts {} through init scripts: they run in the background where Docker cannot watch, log or stop them; run one service per container in the foreground",
                names.join(", ")
            ),
            Some(Finding::Several(names)) => format!(
                "{kw} starts several services ({}) in one container: Docker only watches one of them; split them into separate containers",
                names.join(", ")
            ),
        };
        out.push(Violation::new(form.span(), msg));
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::lines;

    #[test]
    fn flags_services() {
        assert_eq!(lines(&RULE, "FROM a:1\nCMD [\"/sbin/init\"]\n"), [2]);
        assert_eq!(lines(&RULE, "FROM a:1\nCMD service nginx start && tail -f /var/log/x\n"), [2]);
        assert_eq!(lines(&RULE, "FROM a:1\nENTRYPOINT [\"/usr/bin/supervisord\", \"-n\"]\n"), [2]);
        assert_eq!(lines(&RULE, "FROM a:1\nCMD /usr/sbin/sshd && nginx -g 'daemon off;'\n"), [2]);
        assert_eq!(lines(&RULE, "FROM a:1\nCMD [\"sh\", \"-c\", \"php-fpm & nginx -g 'daemon off;'\"]\n"), [2]);
        assert_eq!(lines(&RULE, "FROM a:1\nCMD /etc/init.d/ssh start; \\\n  # keep running\n  bash\n"), [2]);
        // inherited from the stage the final one is built on
        assert_eq!(lines(&RULE, "FROM a:1 AS base\nCMD [\"systemd\"]\nFROM base\nRUN x\n"), [2]);
    }

    #[test]
    fn accepts_single_services() {
        assert!(lines(&RULE, "FROM a:1\nCMD [\"nginx\", \"-g\", \"daemon off;\"]\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nENTRYPOINT [\"tini\", \"--\"]\nCMD [\"app\"]\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nCMD [\"/usr/sbin/sshd\", \"-D\"]\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nCMD [\"/usr/local/bin/init\"]\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nRUN service mysql start && mysql < x\nCMD [\"mysqld\"]\n").is_empty());
        // an earlier stage's CMD is not the final image's
        assert!(lines(&RULE, "FROM a:1\nCMD [\"/sbin/init\"]\nFROM b:1\nCMD [\"app\"]\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nCMD [\"/sbin/init\"]\nCMD [\"app\"]\n").is_empty());
    }
}
