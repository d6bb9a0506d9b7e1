/*
 * sspi: command-line front end of libsspi.
 *
 *   sspi --help | --version | help [COMMAND] | COMMAND [ARGS...]
 *
 * Subcommands are listed in `commands` below; each one is a cmd_<name>.c
 * file. To add one: write the file, declare it in tool.h, add a row here.
 */
#include <libsspi.h>
#include <stdio.h>
#include <string.h>

#include "tool.h"

static const tool_command commands[] = {
    {"packages", "[NAME]",
     "list the security packages (EnumerateSecurityPackages), or show one",
     cmd_packages, cmd_packages_help},
    {"client", "[OPTIONS]",
     "authenticate over TCP (InitializeSecurityContext), seal/sign messages",
     cmd_client, cmd_client_help},
    {"server", "[OPTIONS]",
     "serve authentications over TCP (AcceptSecurityContext), seal/sign",
     cmd_server, cmd_server_help},
    {"demo", "[-v]", "NTLM client + server on 127.0.0.1 with a temporary account",
     cmd_demo, cmd_demo_help},
    {"http", "[OPTIONS] URL",
     "HTTP request with Negotiate/NTLM authentication (InitializeSecurityContext)",
     cmd_http, cmd_http_help},
    {"serve-http", "[OPTIONS]",
     "HTTP server with Negotiate/NTLM authentication (AcceptSecurityContext)",
     cmd_serve_http, cmd_serve_http_help},
    {"load", "[OPTIONS]",
     "load test: in-process handshakes through the asynchronous API (throughput, latency)",
     cmd_load, cmd_load_help},
    {"decode", "[OPTIONS] TOKEN",
     "explain an NTLM/SPNEGO/GSS-API token; verify NTLM with a password",
     cmd_decode, cmd_decode_help},
};
static const size_t command_count = sizeof commands / sizeof commands[0];

static void usage(FILE *out) {
    fprintf(out,
            "usage: sspi [--help | --version] COMMAND [ARGS...]\n"
            "\n"
            "Command-line front end of libsspi, the Windows SSPI for Linux.\n"
            "\n"
            "commands:\n");
    for (size_t i = 0; i < command_count; i++) {
        char synopsis[64];
        snprintf(synopsis, sizeof synopsis, "%s %s", commands[i].name, commands[i].args);
        fprintf(out, "  %-20s %s\n", synopsis, commands[i].summary);
    }
    fprintf(out,
            "  %-20s %s\n"
            "\n"
            "options:\n"
            "  -h, --help           show this help and exit\n"
            "  -V, --version        show the version and exit\n"
            "\n"
            "environment:\n"
            "  SSPI_DEBUG=1|2|3     library diagnostics on stderr (errors, info, debug)\n"
            "\n"
            "exit status: 0 success, 1 failure, 2 usage error\n",
            "help [COMMAND]", "show help for a command");
}

static const tool_command *find_command(const char *name) {
    for (size_t i = 0; i < command_count; i++) {
        if (strcmp(commands[i].name, name) == 0) return &commands[i];
    }
    return NULL;
}

static void command_help(const tool_command *cmd, FILE *out) {
    fprintf(out, "usage: sspi %s %s\n\n%s\n", cmd->name, cmd->args, cmd->summary);
    if (cmd->help) {
        fputc('\n', out);
        cmd->help(out);
    }
}

static int unknown_command(const char *name) {
    fprintf(stderr, "sspi: unknown command '%s'\n\n", name);
    usage(stderr);
    return TOOL_EXIT_USAGE;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        usage(stderr);
        return TOOL_EXIT_USAGE;
    }
    const char *arg = argv[1];
    if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
        usage(stdout);
        return TOOL_EXIT_OK;
    }
    if (strcmp(arg, "-V") == 0 || strcmp(arg, "--version") == 0 || strcmp(arg, "version") == 0) {
        printf("sspi (libsspi) %s\n", LIBSSPI_VERSION_STRING);
        return TOOL_EXIT_OK;
    }
    if (strcmp(arg, "help") == 0) {
        if (argc < 3) {
            usage(stdout);
            return TOOL_EXIT_OK;
        }
        const tool_command *cmd = find_command(argv[2]);
        if (!cmd) return unknown_command(argv[2]);
        command_help(cmd, stdout);
        return TOOL_EXIT_OK;
    }
    if (arg[0] == '-') {
        fprintf(stderr, "sspi: unknown option '%s'\n\n", arg);
        usage(stderr);
        return TOOL_EXIT_USAGE;
    }
    const tool_command *cmd = find_command(arg);
    if (!cmd) return unknown_command(arg);
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) break;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            command_help(cmd, stdout);
            return TOOL_EXIT_OK;
        }
    }
    return cmd->run(argc - 1, argv + 1);
}
