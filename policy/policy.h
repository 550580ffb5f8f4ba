/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The policy: what /etc/oomguard/policy.ini says, validated. Pure: parsed
 * from a buffer the caller read; every key is declared in policy-keys.def. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config-errors.h"
#include "level.h"

typedef struct ActionPolicy {
        bool enabled;
        uint64_t level;         /* a Level; uint64_t so the table can set it */
        uint64_t cooldown_ms;
} ActionPolicy;

typedef enum MatchKind {
        MATCH_NAME,     /* /proc/PID/comm, exactly */
        MATCH_UNIT,     /* the systemd unit: last path component of the cgroup */
        MATCH_CGROUP,   /* the cgroup path, or any cgroup below it */
        _MATCH_KIND_MAX,
} MatchKind;

#define POLICY_MATCH_MAX 128
#define POLICY_MAX_RULES 64
#define POLICY_MAX_CGROUPS 8

typedef struct MatchRule {
        MatchKind kind;
        char value[POLICY_MATCH_MAX];
} MatchRule;

typedef struct RuleSet {
        int64_t oom_score_adj;
        unsigned n_rules;
        MatchRule rules[POLICY_MAX_RULES];
} RuleSet;

typedef struct Policy {
        uint64_t psi_some_stall_ms, psi_full_stall_ms, psi_window_ms;
        uint64_t sample_interval_ms, fast_poll_ms, slow_poll_ms;
        unsigned n_pressure_cgroups;
        char pressure_cgroups[POLICY_MAX_CGROUPS][CONFIG_PATH_MAX * 2];

        uint64_t warn_headroom_low_kb, act_headroom_min_kb, critical_headroom_min_kb;
        uint64_t warn_psi_some_avg10, act_psi_full_avg10, critical_psi_full_avg10;     /* hundredths of % */
        uint64_t act_time_to_min_s, warn_time_to_min_s;
        uint64_t order;
        uint64_t hysteresis_kb, hold_ms;

        ActionPolicy balloon;
        uint64_t balloon_horizon_ms, balloon_min_request_kb, balloon_timeout_ms;
        char agent_socket[CONFIG_PATH_MAX];
        uint64_t report_interval_ms, release_cooldown_ms;

        ActionPolicy drop_caches;
        uint64_t drop_file_min_pct, drop_max_refault_per_s;

        ActionPolicy compact;

        bool steer_enabled;
        uint64_t steer_rescan_ms;
        RuleSet protect, prefer;

        ActionPolicy kill;

        uint64_t post_action_delay_ms;
        char status_socket[CONFIG_PATH_MAX];    /* empty: no status socket */
        char metrics_file[CONFIG_PATH_MAX];     /* empty: no metrics file */
} Policy;

typedef enum KeyType {
        KEY_U64,
        KEY_CENTI,
        KEY_LEVEL,
        KEY_BOOL,
        KEY_PATH,
} KeyType;

typedef struct PolicyKey {
        const char *section, *name;
        KeyType type;
        size_t offset;
        uint64_t def_u64, min, max;
        const char *def_str;
        const char *help;
} PolicyKey;

extern const PolicyKey policy_keys[];
extern const size_t policy_n_keys;

/* The repeatable keys outside the table, for the dump and the docs. */
extern const char *const match_kind_names[_MATCH_KIND_MAX];

void policy_init_defaults(Policy *p);

/* The defaults plus the [protect] rules oomguard ships in
 * /etc/oomguard/policy.ini: what a guest needs to stay reachable. */
void policy_init_shipped(Policy *p);

/* Parses INI text (NUL-terminated) over the defaults. Every problem is
 * collected with its line, section and key; returns 0, or -EINVAL with
 * errs->n > 0, in which case *ret must not be used. */
int policy_parse(const char *text, Policy *ret, ConfigErrors *errs);

/* policy_parse() as a ConfigParseFn, for config_file_load(). */
int policy_parse_any(const char *text, void *ret, ConfigErrors *errs);

/* Where each key was set in the file, 0 for a key left at its default:
 * key[i] for policy_keys[i], adj[0] and adj[1] for the oom_score_adj of
 * [protect] and [prefer]. */
#define POLICY_MAX_KEYS 128
typedef struct PolicyLines {
        unsigned key[POLICY_MAX_KEYS];
        unsigned adj[2];
} PolicyLines;

/* Cross-field rules; policy_parse() calls it. Each error names every key
 * involved with its value and its line (from lines; NULL: all defaults). */
int policy_validate(const Policy *p, const PolicyLines *lines, ConfigErrors *errs);

/* Formats a key's value as the dump prints it. */
void policy_key_format(const Policy *p, const PolicyKey *k, char *buf, size_t size);
