/*
 * QEMU TCG plugin: exact instruction counts between two firmware markers.
 *
 * Counts the instructions of every translated block executed after `tinyae_bench_start`
 * returns and before `tinyae_bench_stop` is entered (the markers' own instructions are not
 * counted), and prints one line per region: `tinyae-insns <region> <count>`. QEMU runs
 * translated blocks whole unless an exception interrupts them, and the firmware enables no
 * interrupt, so the count is exact and identical run to run.
 *
 * With the argument `histogram=on` it also prints, at exit, how many of the counted
 * instructions each mnemonic accounts for (`tinyae-mnemonic <count> <mnemonic>`): what the
 * instruction stream spends its time on. With `pcs=on` it prints how often each counted
 * instruction ran (`tinyae-pc <hex address> <count>`), for scripts/insn-profile.py to sum by
 * function and loop.
 *
 * Debian ships no qemu-plugin.h, so the few declarations used are written out below (plugin
 * API version 4, QEMU 9.x/10.x). Build: gcc -O2 -shared -fPIC -o insn-count.so qemu-insn-count.c
 * Run:   qemu-system-... -plugin ./insn-count.so -d plugin -D counts.log -kernel firmware.elf
 * The ELF must keep its symbol table (QEMU finds the markers by name).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t qemu_plugin_id_t;
typedef struct qemu_info_t qemu_info_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_CB_R_REGS, QEMU_PLUGIN_CB_RW_REGS };
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index, void *userdata);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb, qemu_plugin_vcpu_udata_cb_t cb,
                                          enum qemu_plugin_cb_flags flags, void *userdata);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void *userdata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
const char *qemu_plugin_insn_symbol(const struct qemu_plugin_insn *insn);
char *qemu_plugin_insn_disas(const struct qemu_plugin_insn *insn);
void qemu_plugin_outs(const char *string);

__attribute__((visibility("default"))) int qemu_plugin_version = 4;

enum kind { NORMAL, START, STOP };

/* One per translation of a block; blocks are few, so they are never freed. */
struct block {
    enum kind kind;
    uint64_t insns;
    unsigned *mnemonics; /* histogram mode: the mnemonic index of each instruction */
    uint64_t *pcs;       /* pcs mode: the address of each instruction */
};

#define MAX_MNEMONICS 512
static char *mnemonic_names[MAX_MNEMONICS];
static uint64_t mnemonic_counts[MAX_MNEMONICS];
static unsigned n_mnemonics;
static bool histogram;

/* pcs mode: counts per address, in a table of (address, count) pairs, open addressing. */
#define PC_SLOTS (1u << 20)
static uint64_t *pc_addr, *pc_count;
static bool pcs;

static void count_pc(uint64_t pc)
{
    uint64_t slot = (pc * 0x9E3779B97F4A7C15ull) >> 44;
    for (unsigned probe = 0; probe < PC_SLOTS; probe++, slot = (slot + 1) & (PC_SLOTS - 1)) {
        if (pc_count[slot] == 0 || pc_addr[slot] == pc) {
            pc_addr[slot] = pc;
            pc_count[slot]++;
            return;
        }
    }
}

static bool counting;
static uint64_t count;
static unsigned regions;

static void on_exec(unsigned int vcpu, void *udata)
{
    const struct block *b = udata;
    (void)vcpu;
    switch (b->kind) {
    case START:
        counting = true;
        count = 0;
        break;
    case STOP:
        if (counting) {
            char line[64];
            snprintf(line, sizeof line, "tinyae-insns %u %llu\n", regions++,
                     (unsigned long long)count);
            qemu_plugin_outs(line);
        }
        counting = false;
        break;
    case NORMAL:
        if (counting) {
            count += b->insns;
            if (b->mnemonics) {
                for (uint64_t i = 0; i < b->insns; i++) {
                    mnemonic_counts[b->mnemonics[i]]++;
                }
            }
            if (b->pcs) {
                for (uint64_t i = 0; i < b->insns; i++) {
                    count_pc(b->pcs[i]);
                }
            }
        }
        break;
    }
}

/* The index of the first word of `disas` (the mnemonic) in the table, added if new. */
static unsigned mnemonic_index(const char *disas)
{
    char word[32] = "?";
    unsigned i;
    if (disas) {
        sscanf(disas, "%31s", word);
    }
    for (i = 0; i < n_mnemonics; i++) {
        if (strcmp(mnemonic_names[i], word) == 0) {
            return i;
        }
    }
    if (n_mnemonics == MAX_MNEMONICS) {
        return MAX_MNEMONICS - 1;
    }
    mnemonic_names[n_mnemonics] = strdup(word);
    return n_mnemonics++;
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    struct block *b = malloc(sizeof *b);
    const char *symbol = qemu_plugin_insn_symbol(qemu_plugin_tb_get_insn(tb, 0));
    (void)id;
    if (!b) {
        abort();
    }
    b->insns = qemu_plugin_tb_n_insns(tb);
    b->kind = NORMAL;
    b->mnemonics = NULL;
    b->pcs = NULL;
    if (pcs) {
        b->pcs = calloc(b->insns, sizeof *b->pcs);
        if (!b->pcs) {
            abort();
        }
        for (size_t i = 0; i < b->insns; i++) {
            b->pcs[i] = qemu_plugin_insn_vaddr(qemu_plugin_tb_get_insn(tb, i));
        }
    }
    if (histogram) {
        b->mnemonics = calloc(b->insns, sizeof *b->mnemonics);
        if (!b->mnemonics) {
            abort();
        }
        for (size_t i = 0; i < b->insns; i++) {
            char *disas = qemu_plugin_insn_disas(qemu_plugin_tb_get_insn(tb, i));
            b->mnemonics[i] = mnemonic_index(disas);
            free(disas);
        }
    }
    if (symbol && strcmp(symbol, "tinyae_bench_start") == 0) {
        b->kind = START;
    } else if (symbol && strcmp(symbol, "tinyae_bench_stop") == 0) {
        b->kind = STOP;
    }
    qemu_plugin_register_vcpu_tb_exec_cb(tb, on_exec, QEMU_PLUGIN_CB_NO_REGS, b);
}

static void at_exit(qemu_plugin_id_t id, void *udata)
{
    char line[64];
    (void)id;
    (void)udata;
    snprintf(line, sizeof line, "tinyae-insns-regions %u\n", regions);
    qemu_plugin_outs(line);
    for (unsigned i = 0; i < n_mnemonics; i++) {
        if (mnemonic_counts[i]) {
            snprintf(line, sizeof line, "tinyae-mnemonic %llu %s\n",
                     (unsigned long long)mnemonic_counts[i], mnemonic_names[i]);
            qemu_plugin_outs(line);
        }
    }
    for (unsigned i = 0; pcs && i < PC_SLOTS; i++) {
        if (pc_count[i]) {
            snprintf(line, sizeof line, "tinyae-pc %llx %llu\n", (unsigned long long)pc_addr[i],
                     (unsigned long long)pc_count[i]);
            qemu_plugin_outs(line);
        }
    }
}

__attribute__((visibility("default"))) int qemu_plugin_install(qemu_plugin_id_t id,
                                                               const qemu_info_t *info,
                                                               int argc, char **argv)
{
    (void)info;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "histogram=on") == 0) {
            histogram = true;
        }
        if (strcmp(argv[i], "pcs=on") == 0) {
            pcs = true;
            pc_addr = calloc(PC_SLOTS, sizeof *pc_addr);
            pc_count = calloc(PC_SLOTS, sizeof *pc_count);
            if (!pc_addr || !pc_count) {
                abort();
            }
        }
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
    qemu_plugin_register_atexit_cb(id, at_exit, NULL);
    return 0;
}
