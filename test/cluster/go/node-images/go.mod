// Stand-in images for the real node (test/cluster/build-image.sh node-images): the pod sandbox's
// pause process, and an HTTP server that names the pod answering. Standard library only.
module golive.test/cluster/node-images

go 1.26.0
