/*
 * llist.h — the list node of RPMsg-Lite's endpoint static context (API mode).
 *
 * struct rpmsg_lite_ept_static_context embeds one, so a firmware that reserves that context must
 * see the node's size; the API-mode library keeps its endpoint table on the JavaScript side and only
 * records the endpoint in `data`.
 */
#ifndef LLIST_H_
#define LLIST_H_

#include <stdint.h>

/** A node of a doubly linked list (RPMsg-Lite's field order). */
struct llist {
    void *data;
    uint32_t attr;
    struct llist *next;
    struct llist *prev;
};

#endif /* LLIST_H_ */
