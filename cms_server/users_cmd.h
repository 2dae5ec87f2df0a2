/*
 * lifted-cms createsuperuser: an operator command that creates a staff
 * account holding every permission.
 */
#ifndef LIFTED_CMS_USERS_CMD_H
#define LIFTED_CMS_USERS_CMD_H

struct settings;

/* argv: the arguments after "createsuperuser".  Returns the exit
 * status. */
int users_cmd_createsuperuser(const struct settings *s, int argc, char **argv);

#endif
