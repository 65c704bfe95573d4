# lambdakit's reaper (lib/local/supervisor.ts starts one, in a process group of
# its own, while execution environments run).
#
# Its standard input is a pipe that only lambdakit holds open. lambdakit writes
# "+<pgid>" when an environment starts and "-<pgid>" once it is stopped and
# swept. At end of file (lambdakit stopped it, or ended however it ended,
# SIGKILL included) it SIGKILLs the process groups still listed, then every
# process carrying the marker $1 (LAMBDAKIT_OWNER=<id>, which every environment
# and whatever it starts inherit, across setsid and reparenting) with its
# group, scanning /proc again until none is left. It carries no marker itself.
marker=$1
groups=' '
while read -r line; do
  case $line in
    +*) groups="$groups${line#+} " ;;
    -*)
      group=${line#-}
      case $groups in *" $group "*) groups="${groups%% $group *} ${groups#* $group }" ;; esac
      ;;
  esac
done
for group in $groups; do
  kill -9 "-$group" 2>/dev/null
done
round=0
while [ "$round" -lt 50 ]; do
  # -z: /proc/<pid>/environ is NUL-separated; -x -F: the whole variable, literally.
  found=$(grep -lzxF -e "$marker" /proc/[0-9]*/environ 2>/dev/null)
  [ -n "$found" ] || exit 0
  for file in $found; do
    pid=${file#/proc/}
    pid=${pid%/environ}
    kill -9 "-$pid" 2>/dev/null
    kill -9 "$pid" 2>/dev/null
  done
  round=$((round + 1))
  sleep 0.02
done
