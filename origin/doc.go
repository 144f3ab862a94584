// Package origin tells which layers of an image came from its base image
// and which from the instructions built on top of it, from the image
// history and, when given, the Dockerfile the image was built from.
//
// An image records no boundary between the base and the rest, so the
// split is a heuristic, tried in this order:
//
//  1. Dockerfile (method "dockerfile"): the instructions of the final
//     stage (with the stages it is built FROM, when it names an earlier
//     stage) are matched to the history from its end, keyword by keyword
//     and, for RUN, by command text; the entries before the first matched
//     instruction are the base's, and each matched layer gets its
//     instruction's line. ARG needs no history entry (BuildKit writes
//     none).
//  2. Label (method "label"): a history entry LABEL
//     org.opencontainers.image.base.name=... marks the first instruction
//     of the final stage; the entries before the last such one are the
//     base's.
//  3. History (method "history"): the base ends with the last entry that
//     lays down a root filesystem: "ADD file:<digest> in /" (the classic
//     builder), an ADD of a tar archive to "/" (BuildKit), or a layer
//     made by docker import (no instruction, comment "Imported from ...").
//     An image built FROM an image that is itself built on a base counts
//     that middle image's layers as its own.
//
// When none applies, no split is made (method "none").
package origin
