/*
 * The one place where every SQL statement is named.
 *
 * Every statement the servers run is a row of sql_stmts[]: a name the
 * call sites use, a family the router maps to a database (router.c), a
 * kind (reads may go to a replica, writes never do) and the text, which
 * is prepared once per connection.  Call sites never hold SQL text.
 */
#ifndef LIFTED_SQL_H
#define LIFTED_SQL_H

#include <stddef.h>

enum sql_kind {
	SQL_READ,
	SQL_WRITE,
};

struct sql_stmt {
	const char *name;   /* "module.verb", also the prepared name */
	const char *family; /* key of the router table */
	enum sql_kind kind;
	const char *sql; /* $1.. parameters, all sent as text */
};

/* The table and its length; static storage, never freed. */
extern const struct sql_stmt sql_stmts[];
extern const size_t sql_nstmts;

/* Returns the statement called name (static storage), or NULL. */
const struct sql_stmt *sql_find(const char *name);

#endif
