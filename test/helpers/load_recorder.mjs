// Registered with `node --import`: records the URL of every module resolved
// through the ESM loader into the file named by TROUPE_LOAD_LOG.
import { register } from "node:module";

register("./load_hooks.mjs", import.meta.url);
