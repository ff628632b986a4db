//! Shell completions, generated from the clap definition, with profile names completed
//! dynamically (by running `tokfetch profiles --names`) in bash, zsh and fish. Elvish and
//! PowerShell get the static completions.

use clap_complete::Shell;

/// The completion script for `shell`: what `tokfetch completions SHELL` prints and what
/// `completions/` holds.
pub fn script(shell: Shell) -> String {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut crate::cli::command(), "tokfetch", &mut out);
    let generated = String::from_utf8_lossy(&out).into_owned();
    match shell {
        Shell::Bash => {
            let hook = BASH_PROFILES.replace("{OPTIONS}", &value_options(&crate::cli::command()));
            format!("{generated}{hook}")
        }
        Shell::Zsh => zsh(&generated),
        Shell::Fish => format!("{generated}{FISH_PROFILES}"),
        _ => generated,
    }
}

const BASH_PROFILES: &str = r#"
# Profile names, completed from the config by tokfetch itself (honours --config).
_tokfetch_with_profiles() {
    _tokfetch "$@"
    local cur="${COMP_WORDS[COMP_CWORD]}"
    [[ "$cur" == -* ]] && return 0
    case "${COMP_WORDS[COMP_CWORD-1]}" in
        {OPTIONS}) return 0 ;;
    esac
    local i w sub="" nested="" positional=0 cfg=()
    for (( i = 1; i < COMP_CWORD; i++ )); do
        w="${COMP_WORDS[i]}"
        case "$w" in
            --) return 0 ;;
            --config) cfg=(--config "${COMP_WORDS[i+1]}"); (( i++ )); continue ;;
            --config=*) cfg=(--config "${w#--config=}"); continue ;;
            {OPTIONS}) (( i++ )); continue ;;
            -*) continue ;;
        esac
        if [[ -z "$sub" ]]; then sub="$w"; continue; fi
        if [[ -z "$nested" && ( "$sub" == secret || "$sub" == cache || "$sub" == profile ) ]]; then
            nested="$w"; continue
        fi
        (( positional++ ))
    done
    (( positional == 0 )) || return 0
    case "$sub:$nested" in
        get:|header:|proof:|exec:|inspect:|doctor:|git-credential:|login:|logout:|secret:set|secret:delete|secret:status|cache:clear|profile:remove) ;;
        *) return 0 ;;
    esac
    local names
    names="$(tokfetch "${cfg[@]}" profiles --names 2>/dev/null)" || return 0
    [[ -n "$names" ]] || return 0
    COMPREPLY=( $(compgen -W "$names" -- "$cur") )
}
if [[ "${BASH_VERSINFO[0]}" -eq 4 && "${BASH_VERSINFO[1]}" -ge 4 || "${BASH_VERSINFO[0]}" -gt 4 ]]; then
    complete -F _tokfetch_with_profiles -o nosort -o bashdefault -o default tokfetch
else
    complete -F _tokfetch_with_profiles -o bashdefault -o default tokfetch
fi
"#;

/// Every option that takes a value, in every subcommand, as a bash `case` pattern
/// (`--config|-o|--output|…`): a word after one of them is its value, not a profile. Made from
/// the clap definition, so a new option is known here without a list of its own.
fn value_options(cmd: &clap::Command) -> String {
    fn collect(cmd: &clap::Command, out: &mut Vec<String>) {
        for arg in cmd.get_arguments() {
            if arg.is_positional() || !arg.get_action().takes_values() {
                continue;
            }
            let names = arg
                .get_short()
                .map(|s| format!("-{s}"))
                .into_iter()
                .chain(arg.get_long().map(|l| format!("--{l}")));
            for name in names {
                if !out.contains(&name) {
                    out.push(name);
                }
            }
        }
        for sub in cmd.get_subcommands() {
            collect(sub, out);
        }
    }
    let mut out = Vec::new();
    collect(cmd, &mut out);
    out.join("|")
}

const ZSH_PROFILES: &str = r#"# Profile names, completed from the config by tokfetch itself (honours --config).
(( $+functions[_tokfetch_profiles] )) ||
_tokfetch_profiles() {
    local -a cfg profiles
    local i
    for (( i = 1; i < $#words; i++ )); do
        [[ $words[i] == --config ]] && cfg=(--config "${words[i+1]}")
        [[ $words[i] == --config=* ]] && cfg=(--config "${words[i]#--config=}")
    done
    profiles=(${(f)"$(_call_program profiles tokfetch $cfg profiles --names 2>/dev/null)"})
    _describe -t profiles 'profile' profiles
}

"#;

const FISH_PROFILES: &str = r#"
# Profile names, completed from the config by tokfetch itself (honours --config).
function __fish_tokfetch_profiles
    set -l cfg
    set -l tokens (commandline -opc)
    if set -l i (contains -i -- --config $tokens)
        set cfg --config $tokens[(math $i + 1)]
    end
    tokfetch $cfg profiles --names 2>/dev/null
end
complete -c tokfetch -n "__fish_tokfetch_using_subcommand get header proof exec inspect doctor git-credential login logout" -f -a "(__fish_tokfetch_profiles)"
complete -c tokfetch -n "__fish_tokfetch_using_subcommand secret; and __fish_seen_subcommand_from set delete status" -f -a "(__fish_tokfetch_profiles)"
complete -c tokfetch -n "__fish_tokfetch_using_subcommand cache; and __fish_seen_subcommand_from clear" -f -a "(__fish_tokfetch_profiles)"
complete -c tokfetch -n "__fish_tokfetch_using_subcommand profile; and __fish_seen_subcommand_from remove" -f -a "(__fish_tokfetch_profiles)"
"#;

/// Point every profile argument at `_tokfetch_profiles`, defined before the script runs.
fn zsh(generated: &str) -> String {
    let mut out = String::with_capacity(generated.len() + ZSH_PROFILES.len());
    let tail = "if [ \"$funcstack[1]\" = \"_tokfetch\" ]; then";
    let (body, end) = match generated.rfind(tail) {
        Some(at) => generated.split_at(at),
        None => (generated, ""),
    };
    for line in body.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if (trimmed.starts_with("'::profile -- ") || trimmed.starts_with("':profile -- "))
            && line.contains(":_default' \\")
        {
            out.push_str(&line.replacen(":_default' \\", ":_tokfetch_profiles' \\", 1));
        } else {
            out.push_str(line);
        }
    }
    out.push_str(ZSH_PROFILES);
    out.push_str(end);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// How many arguments take a profile name: get, header, proof, exec, secret
    /// set/delete/status, cache clear, profile remove, inspect, doctor, git-credential, login,
    /// logout.
    const PROFILE_ARGS: usize = 14;

    #[test]
    fn zsh_completes_every_profile_argument_dynamically() {
        let z = script(Shell::Zsh);
        assert_eq!(
            z.matches(":_tokfetch_profiles' \\").count(),
            PROFILE_ARGS,
            "{z}"
        );
        let def = z.find("_tokfetch_profiles() {").expect("function defined");
        let call = z.rfind("_tokfetch \"$@\"").expect("entry point");
        assert!(def < call, "defined before the completion runs");
        assert!(z.starts_with("#compdef tokfetch"));
    }

    #[test]
    fn bash_skips_the_value_of_every_option_that_takes_one() {
        let options = value_options(&crate::cli::command());
        let options: Vec<&str> = options.split('|').collect();
        for o in [
            "--config",
            "-o",
            "--output",
            "--env",
            "--min-ttl",
            "--timeout",
            "--field",
        ] {
            assert!(options.contains(&o), "{o}: {options:?}");
        }
        for flag in ["-q", "--quiet", "--no-cache", "--json", "--help"] {
            assert!(!options.contains(&flag), "{flag}");
        }
        assert!(!script(Shell::Bash).contains("{OPTIONS}"));
    }

    #[test]
    fn bash_and_fish_gain_the_profile_hook() {
        assert!(script(Shell::Bash).contains("complete -F _tokfetch_with_profiles"));
        assert!(script(Shell::Fish).contains("(__fish_tokfetch_profiles)"));
        assert!(!script(Shell::Elvish).contains("profiles --names"));
    }
}
