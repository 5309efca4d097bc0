# The freestanding images, read from their definitions: every
# domb_add_image(NAME ...) call in the folders below. The host build needs
# their paths (boot sets, ISOs and tests depend on them) before the
# freestanding build has run.
set(DOMB_IMAGE_FOLDERS builder/main test/guests)
set(DOMB_IMAGES)
foreach(dir ${DOMB_IMAGE_FOLDERS})
    file(STRINGS ${CMAKE_SOURCE_DIR}/${dir}/CMakeLists.txt calls
         REGEX "^[ \t]*domb_add_image\\([A-Za-z0-9_-]+")
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
                 ${CMAKE_SOURCE_DIR}/${dir}/CMakeLists.txt)
    foreach(call ${calls})
        string(REGEX REPLACE "^[ \t]*domb_add_image\\(([A-Za-z0-9_-]+).*" "\\1" image "${call}")
        list(APPEND DOMB_IMAGES ${DOMB_IMAGE_DIR}/${dir}/${image})
    endforeach()
endforeach()
if(NOT DOMB_IMAGES)
    message(FATAL_ERROR "DombImages: no domb_add_image() calls found in ${DOMB_IMAGE_FOLDERS}")
endif()
# Where the entry points and guests land.
set(DOMB_MAIN_DIR ${DOMB_IMAGE_DIR}/builder/main)
set(DOMB_GUEST_DIR ${DOMB_IMAGE_DIR}/test/guests)
